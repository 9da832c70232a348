# -o is required; nothing is written
parity plot mel_ref.safetensors mel_port.safetensors -t decoder.final_proj
