# the same note in JSON
parity diff edge/rank_ref.safetensors edge/rank_port.safetensors --axis 2 --format json
