# --max-db 0 would mean no limit at all
parity diff mel_ref.safetensors mel_port.safetensors --domain db --max-db 0
