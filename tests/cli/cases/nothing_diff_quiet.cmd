parity diff pairing/apart_ref.safetensors pairing/apart_port.safetensors -q
