# --max-db without a log domain: no dB to compare, so bad usage
parity diff mel_ref.safetensors mel_port.safetensors --max-db 0.5
