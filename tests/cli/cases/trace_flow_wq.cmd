# bug (b), a transposed square weight: block 1 loads wq transposed; the
# culprit is layers.1.attention.wq, the scores and everything after inherit
parity trace dataflow/ref.safetensors dataflow/port_wq.safetensors
