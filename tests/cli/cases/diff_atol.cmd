# with --atol every element within 1.5 is close: MATCH
parity diff mel_ref.safetensors mel_port.safetensors --only decoder.final_proj --atol 1.5
