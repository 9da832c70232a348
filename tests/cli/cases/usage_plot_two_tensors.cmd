# plot draws one tensor
parity plot mel_ref.safetensors mel_port.safetensors -t decoder.final_proj -t flow.mu -o never.png
