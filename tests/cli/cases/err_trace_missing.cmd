parity trace trace/ref.safetensors trace/no_such.safetensors
