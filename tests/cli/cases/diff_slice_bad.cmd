# K must be below N
parity diff mel_ref.safetensors mel_port.safetensors --slice 3/3
