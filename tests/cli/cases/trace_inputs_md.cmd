parity trace trace/ref.safetensors trace/port_inputs.safetensors --format md
