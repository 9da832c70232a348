# the port ties lm_head to embed on purpose: --skip says so, and the deep copy
# it lost is still only in ref
parity weights weights/copies_ref.safetensors weights/copies_port.safetensors -q --skip lm_head.weight
