# the same in JSON: input_layout says how the input was brought to it
parity explain explain_layout/ref.safetensors explain_layout/port.safetensors -t norm --format json
