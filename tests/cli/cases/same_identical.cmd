parity same run1.safetensors run1.safetensors
