# a profile axis the tensor does not have: exit 2, one line (was: exit 1, no profile)
parity plot mel_ref.safetensors mel_port.safetensors -t decoder.final_proj -o never.png --axis 5
