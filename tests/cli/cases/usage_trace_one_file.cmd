parity trace trace/ref.safetensors
