parity same pairing/apart_ref.safetensors pairing/apart_port.safetensors
