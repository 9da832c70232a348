parity same edge/ctl_ref.safetensors edge/ctl_port.safetensors --labels $'run\n1,run\x1b2'
