# bug (a) without data flow (parity.parents removed from both traces): the
# order rule, said so; it blames the gated product, whose jump over the
# clean branch computed just before it is the largest
parity trace dataflow/ref_noflow.safetensors dataflow/port_act_noflow.safetensors -q
