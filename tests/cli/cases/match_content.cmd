parity match pairing/ref.safetensors pairing/port_wt.safetensors
