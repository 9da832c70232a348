parity diff mel_ref.safetensors mel_port.safetensors --color always --labels Python,Swift
