# the reference's computation stored as F16: the schedules and weights
# agree within F16 rounding (no false alarm at 1e-4)
parity trace trace/ref.safetensors trace/port_f16.safetensors -q
parity trace trace/ref.safetensors trace/port_f16.safetensors | sed -n '/^Schedule/,$p'
