# the report is HTML: -q is refused, nothing is written
parity report trace/ref.safetensors trace/port_solver.safetensors -o never.html -q
