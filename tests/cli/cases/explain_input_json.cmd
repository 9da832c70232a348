# --input names the input; JSON says where it came from
parity explain explain_ops/ref.safetensors explain_ops/port.safetensors -t act --input x --format json
