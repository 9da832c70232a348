# metadata keys and values with control characters (-v), escaped
parity info edge/ctl_ref.safetensors -v
