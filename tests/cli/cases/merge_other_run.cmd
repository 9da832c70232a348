# a part of another run (another --atol)
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
for k in 0 1 2; do parity diff mel_ref.safetensors mel_port.safetensors --slice $k/3 >"$d/part$k.json"; done
cd "$d" || exit 2
cd - >/dev/null; parity diff mel_ref.safetensors mel_port.safetensors --atol 1e-3 --slice 1/3 >"$d/other1.json"; cd "$d" || exit 2
parity merge part0.json other1.json part2.json
