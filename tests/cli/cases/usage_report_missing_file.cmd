# a weights file that does not exist: exit 2, no report
parity report trace/ref.safetensors trace/port_solver.safetensors -o never.html --weights mel_ref.safetensors no_such.safetensors
