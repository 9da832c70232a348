# a part is JSON for parity merge
parity diff mel_ref.safetensors mel_port.safetensors --slice 0/2 --format text
