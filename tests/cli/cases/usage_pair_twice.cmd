parity match pairing/ref.safetensors pairing/port_gelu --pair content --pair names
