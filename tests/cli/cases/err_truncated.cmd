parity info truncated.safetensors
