# plot writes a PNG: --format is refused, nothing is written
parity plot mel_ref.safetensors mel_port.safetensors -t decoder.final_proj -o never.png --format json
