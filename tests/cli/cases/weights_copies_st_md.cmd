# the same reference as safetensors, which cannot record sharing: lm_head and
# the copy are only in ref (exit 1), each with its --skip note; Markdown
parity weights weights/copies_ref.safetensors weights/copies_port.safetensors --format md
