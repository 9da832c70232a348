# the NumPy port adds block 0's feed-forward output to the embedding instead
# of h, and its parents say so: the graphs disagree at layers.0.add#1, which
# introduces the error by the reference's graph
parity trace dataflow/ref.safetensors dataflow/np_port_wiring.safetensors --map dataflow/np_port.map --format md
