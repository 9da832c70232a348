parity diff mel_ref.safetensors mel_ref.safetensors
