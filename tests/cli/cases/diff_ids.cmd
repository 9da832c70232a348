parity diff edge/ids_ref.safetensors edge/ids_port.safetensors
