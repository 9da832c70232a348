# per mel bin: 80 rows, then the 5 worst indices
parity diff mel_ref.safetensors mel_port.safetensors --only decoder.final_proj --axis 1
