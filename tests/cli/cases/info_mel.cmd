parity info mel_ref.safetensors
