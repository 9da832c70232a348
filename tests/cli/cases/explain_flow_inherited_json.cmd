parity explain dataflow/ref.safetensors dataflow/port_act.safetensors -t layers.1.feed_forward.mul --format json
