# --input must name a tensor of both sides
parity explain explain_ops/ref.safetensors explain_ops/port.safetensors -t act --input nosuch
