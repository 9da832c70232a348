parity diff mel_ref.safetensors mel_port.safetensors --color never -q
