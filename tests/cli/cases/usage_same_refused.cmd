# same compares bits: --map is refused
parity same run1.safetensors run2.safetensors --map edge/map_unused.txt
