parity diff mel_ref.safetensors truncated.safetensors
