parity trace trace/ref.safetensors trace/port_solver.safetensors --velocity nothing.here --cond=nothing --only 'ode.step1*'
