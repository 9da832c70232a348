# names that differ only by a newline, a screen-clearing escape, a C1 control, labels
# with a newline and an escape: every one printed escaped (\n, \x1b, \u009b), one line each
parity diff edge/ctl_ref.safetensors edge/ctl_port.safetensors --labels $'Py\nthon,Sw\x1bift' --color never
