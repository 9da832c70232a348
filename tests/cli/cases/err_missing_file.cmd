parity diff mel_ref.safetensors no_such_file.npy
