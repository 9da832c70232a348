# stages paired by content (one by structure alone), unpaired and copies: a run in four parts, merged
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
for k in 0 1 2 3; do parity diff pairing/ref.safetensors pairing/port_wt.safetensors --slice $k/4 >"$d/part$k.json"; done
parity merge "$d"/part*.json
