parity diff mel_ref.safetensors mel_port.safetensors --format json --only flow.mu --axis 0 --domain db
