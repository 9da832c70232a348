parity trace edge/ids_ref.safetensors edge/ids_port.safetensors
