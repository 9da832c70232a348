# relative 23.8% passes --match-tol 0.5 but -12.68 dB breaks --max-db 1
parity diff mel_ref.safetensors mel_port.safetensors --only decoder.final_proj --match-tol 0.5 --small-tol 0.9 --domain ln-mag --max-db 1
