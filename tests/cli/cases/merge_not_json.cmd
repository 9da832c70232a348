# a file that is not a part
parity merge mel_ref.safetensors
