parity explain pairing/apart_ref.safetensors pairing/apart_port.safetensors --only 'nothing*'
