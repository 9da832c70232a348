parity trace dataflow/ref.safetensors dataflow/port_wq.safetensors --format json
