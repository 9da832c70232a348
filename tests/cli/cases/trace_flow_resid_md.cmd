parity trace dataflow/ref.safetensors dataflow/port_resid.safetensors --format md -q
