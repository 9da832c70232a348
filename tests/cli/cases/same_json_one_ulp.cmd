parity same run1.safetensors run2.safetensors --format json
