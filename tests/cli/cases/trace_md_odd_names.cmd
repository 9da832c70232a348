parity trace edge/odd_ref.safetensors edge/odd_port.safetensors --format md
