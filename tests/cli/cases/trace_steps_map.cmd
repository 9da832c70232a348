# a per-position series paired through a --map rule says so ("map"), as
# whole tensors paired by a map do
d=$(mktemp -d); printf '^rope(#[0-9]+)?$ => rope\\1\n' > "$d/m.txt"
parity trace explain_steps/ref.safetensors explain_steps/port.safetensors --map "$d/m.txt" --format json | grep -o '"name":"[^"]*","port_name":"[^"]*","match":"[a-z]*"' | sed 's/^/{/; s/$/}/'; rm -rf "$d"
