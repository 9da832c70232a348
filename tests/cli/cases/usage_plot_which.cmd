# three tensors pair up and no -t
parity plot mel_ref.safetensors mel_port.safetensors -o never.png
