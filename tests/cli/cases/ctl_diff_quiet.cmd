# -q: "name: VERDICT", the names escaped
parity diff edge/ctl_ref.safetensors edge/ctl_port.safetensors -q --color never
