# --weights takes two files, not an option
parity report trace/ref.safetensors trace/port_solver.safetensors --weights mel_ref.safetensors -o never.html
