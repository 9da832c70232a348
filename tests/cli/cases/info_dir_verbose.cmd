parity info python mel_ref.safetensors -v
