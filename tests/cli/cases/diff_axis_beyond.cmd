# --axis 2: the 3-D tensor gets its profile, the 1-D one a Note
parity diff edge/rank_ref.safetensors edge/rank_port.safetensors --axis 2
