# the worst position of a series in JSON: "tensor" is name@k, "note" says so
parity explain explain_steps/ref.safetensors explain_steps/port.safetensors -t rope --format json
