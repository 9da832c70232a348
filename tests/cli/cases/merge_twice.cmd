# part 0 given twice
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
for k in 0 1 2; do parity diff mel_ref.safetensors mel_port.safetensors --slice $k/3 >"$d/part$k.json"; done
cd "$d" || exit 2
parity merge part0.json part1.json part2.json part0.json
