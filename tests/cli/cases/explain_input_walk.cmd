# the stage's recorded parent is its input: the port's activation is named
parity explain explain_ops/ref.safetensors explain_ops/port.safetensors
