# an input that does not exist
parity plot mel_ref.safetensors no_such_file.safetensors -t decoder.final_proj -o never.png
