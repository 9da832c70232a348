# two traces are needed
parity report trace/ref.safetensors -o never.html
