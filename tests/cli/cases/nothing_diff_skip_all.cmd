# globs that each select names but together keep none: a usage error
# (exit 2), as a glob that matches nothing is
parity diff mel_ref.safetensors mel_port.safetensors --skip '*'
parity diff mel_ref.safetensors mel_port.safetensors --only 'flow.*' --skip 'flow.*'
