# the same in JSON: parents_looked_past names the matmul
parity trace dataflow/ref.safetensors dataflow/np_port_scale_f16.safetensors --map dataflow/np_port.map --format json
