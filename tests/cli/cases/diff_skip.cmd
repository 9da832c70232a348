parity diff mel_ref.safetensors mel_port.safetensors --skip "decoder.*" -q
