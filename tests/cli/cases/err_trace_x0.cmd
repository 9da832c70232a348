parity trace trace/ref.safetensors trace/port_solver.safetensors --x0 nosie
