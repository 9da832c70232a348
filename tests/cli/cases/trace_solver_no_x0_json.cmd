parity trace trace/ref.safetensors trace/port_solver.safetensors --skip noise --format json
