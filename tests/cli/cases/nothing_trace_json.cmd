parity trace pairing/apart_ref.safetensors pairing/apart_port.safetensors --format json
