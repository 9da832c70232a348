# a name that pairs with nothing says why: alone on one side (and how to
# pair it), or a copy of another stage (and which to ask for)
parity explain dataflow/ref.safetensors dataflow/np_port_wq.safetensors --map dataflow/np_port_partial.map -t layers.0.attention.matmul; echo "exit $?"
parity explain dataflow/ref.safetensors dataflow/np_port_wq.safetensors --map dataflow/np_port_partial.map -t layers.0.attention; echo "exit $?"
parity plot dataflow/ref.safetensors dataflow/np_port_wq.safetensors --map dataflow/np_port_partial.map -t blk.0.kq -o "$(mktemp -u).png"; echo "exit $?"
# a misspelt name: the compared name it is nearest to
parity explain dataflow/ref.safetensors dataflow/np_port_wq.safetensors --map dataflow/np_port_partial.map -t layers.0.atention.wq; echo "exit $?"
