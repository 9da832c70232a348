# -o is required
parity report trace/ref.safetensors trace/port_solver.safetensors
