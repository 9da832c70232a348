# no name in common: nothing compared is no success (exit 1)
parity weights weights/apart_ref.safetensors weights/apart_port.safetensors
