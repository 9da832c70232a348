parity weights edge/ctl_ref.safetensors edge/ctl_port.safetensors -v --labels $'Py\nthon,Sw\x1bift' --color never
