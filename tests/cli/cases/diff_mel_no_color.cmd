# NO_COLOR wins over --color auto (and stdout is not a terminal anyway)
NO_COLOR=1 parity diff mel_ref.safetensors mel_port.safetensors --color auto -q
