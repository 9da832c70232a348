parity trace trace/ref.safetensors trace/port_fewer.safetensors --format md --labels Python,C
