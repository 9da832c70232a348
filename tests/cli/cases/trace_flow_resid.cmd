# bug (c), a branch that feeds a residual: block 0's attention output
# projection scaled by 0.5, added to x; the culprit is layers.0.attention.wo,
# the container that returns it and the residual sum inherit
parity trace dataflow/ref.safetensors dataflow/port_resid.safetensors
