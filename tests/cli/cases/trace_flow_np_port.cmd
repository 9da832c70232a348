# a NumPy port with its own stage names (llama.cpp's) and its own parents,
# paired by a map, with bug (b): the reference's graph blames blk.1.attn_q
# (layers.1.attention.wq); the reference's container stages (aliases) have
# no partner and the parents naming them resolve to the stages they copy
parity trace dataflow/ref.safetensors dataflow/np_port_wq.safetensors --map dataflow/np_port.map
