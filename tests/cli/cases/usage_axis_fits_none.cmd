# --axis 5 fits no compared tensor: bad usage, no report
parity diff edge/rank_ref.safetensors edge/rank_port.safetensors --axis 5
