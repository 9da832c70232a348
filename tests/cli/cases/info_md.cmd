parity info mel_ref.safetensors --format md
