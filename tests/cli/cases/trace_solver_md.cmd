parity trace trace/ref.safetensors trace/port_solver.safetensors --format=md --labels Python,C
