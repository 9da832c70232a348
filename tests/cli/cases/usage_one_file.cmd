parity diff mel_ref.safetensors
