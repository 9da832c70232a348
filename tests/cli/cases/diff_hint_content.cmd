# a map that forgot some of the port's own names: names pair most stages,
# so pairing by content does not run (--pair auto), and both sides keep
# several unpaired: the summary says --pair content may pair them; with
# it, it does
parity diff dataflow/ref.safetensors dataflow/np_port_wq.safetensors --map dataflow/np_port_partial.map -q
parity diff dataflow/ref.safetensors dataflow/np_port_wq.safetensors --map dataflow/np_port_partial.map --pair content -q
