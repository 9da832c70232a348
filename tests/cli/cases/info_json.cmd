parity info mel_ref.safetensors python --format json
