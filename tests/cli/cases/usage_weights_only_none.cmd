# a filter that selects nothing of either side is bad usage
parity weights weights/apart_ref.safetensors weights/apart_port.safetensors --only 'nothing*'
