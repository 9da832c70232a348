# per-axis table with the dB column (ln-mag), 50 rows along the last axis
parity diff mel_ref.safetensors mel_port.safetensors --only flow.mu --axis=-1 --domain ln-mag
