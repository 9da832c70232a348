parity match pairing/ref.safetensors pairing/port_gelu --format json
