parity diff edge/odd_ref.safetensors edge/odd_port.safetensors --format csv
