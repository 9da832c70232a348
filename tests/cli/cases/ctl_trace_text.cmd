# the stage table pads the escaped names; first divergence and culprit name them escaped
parity trace edge/ctl_ref.safetensors edge/ctl_port.safetensors -v --labels $'Py\nthon,Sw\x1bift' --color never
