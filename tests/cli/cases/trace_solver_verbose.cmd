parity trace trace/ref.safetensors trace/port_solver.safetensors -v --labels Python,C
