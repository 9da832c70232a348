# errors about such names stay on one line
parity explain edge/ctl_ref.safetensors edge/ctl_port.safetensors -t $'zz\x1b[1m\n'; echo "exit $?"
parity plot edge/ctl_ref.safetensors edge/ctl_port.safetensors -t $'zz\n' -o "$(mktemp -u).png"; echo "exit $?"
parity diff edge/ctl_ref.safetensors edge/ctl_port.safetensors --only $'no\nsuch\x1b'; echo "exit $?"
d=$(mktemp -d); printf '^\033nothing$ => x\n' > "$d/m.txt"
parity diff edge/ctl_ref.safetensors edge/ctl_port.safetensors -q --map "$d/m.txt" 2>&1 >/dev/null | sed "s#$d#TMP#"; rm -rf "$d"
