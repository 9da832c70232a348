parity trace pairing/ref.safetensors pairing/port_gelu --pair names
