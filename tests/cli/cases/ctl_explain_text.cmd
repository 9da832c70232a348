# -t takes the raw name; the heading shows it escaped
parity explain edge/ctl_ref.safetensors edge/ctl_port.safetensors -t $'stage\n'
