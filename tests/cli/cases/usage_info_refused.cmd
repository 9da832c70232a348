# info compares nothing and colours nothing: --color is refused, not ignored
parity info mel_ref.safetensors --color=never
