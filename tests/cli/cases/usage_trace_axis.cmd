parity trace trace/ref.safetensors trace/port_same.safetensors --axis 1
