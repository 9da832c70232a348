# --inputs only matters to the walk (trace, explain, report): diff refuses it
parity diff mel_ref.safetensors mel_port.safetensors --inputs tokens
