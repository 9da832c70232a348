# --slice needs one entry per axis
parity plot mel_ref.safetensors mel_port.safetensors -t decoder.final_proj -o never.png --slice 0,:
