# the port stores [1, 200, 80] ([B, T, C]): compared after permute(0,2,1)
parity diff mel_ref.safetensors mel_port_T.safetensors
