# the input in Markdown
parity explain explain_ops/ref.safetensors explain_ops/port.safetensors -t act --format md
