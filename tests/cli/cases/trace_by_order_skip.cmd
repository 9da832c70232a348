parity trace trace/ref.safetensors trace/port_inputs.safetensors --by-order --skip 'ode.step[234]*' --match-tol 1e-2 --small-tol 0.5
