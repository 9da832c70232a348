# a name paired on neither side
parity plot mel_ref.safetensors mel_port.safetensors -t decoder.nope -o never.png
