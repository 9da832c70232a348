parity diff mel_ref.safetensors mel_port.safetensors --labels Python,Swift
