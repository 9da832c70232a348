# a NumPy port stored in F16 that does not trace the scores before their
# scale and misses 1/sqrt(d) in block 1: blame looks past the reference's
# uncompared matmul to q and k, and the culprit is the LARGE DIFF stage,
# not the embedding's F16 rounding (listed after it)
parity trace dataflow/ref.safetensors dataflow/np_port_scale_f16.safetensors --map dataflow/np_port.map
