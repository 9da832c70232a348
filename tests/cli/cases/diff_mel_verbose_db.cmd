# -v with a domain: mean_diff -1.46 is -12.68 dB (ln-mag: 20/ln 10 dB per unit)
parity diff mel_ref.safetensors mel_port.safetensors -v --domain ln-mag --labels Python,Swift
