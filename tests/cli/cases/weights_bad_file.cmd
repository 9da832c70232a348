# a damaged checkpoint: one line naming the file, exit 2
parity weights weights/ref.pt truncated.safetensors
