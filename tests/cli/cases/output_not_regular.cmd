# -o that is not a regular file is refused before any work (exit 2): a
# device (it stays a device), a directory; a directory that does not exist
# or a FIFO, with the system's reason. The device is a null device of our
# own where we may make one (root), so that an old parity, which replaced
# the node, cannot take /dev/null with it
d=$(mktemp -d)
mkdir "$d/dir"
mkfifo "$d/fifo"
dev=/dev/null
mknod "$d/null" c 1 3 2>/dev/null && dev="$d/null"
parity report mel_ref.safetensors mel_port.safetensors -o "$dev" 2>&1 | sed "s#$dev#DEV#g"
echo "exit ${PIPESTATUS[0]}"
test -c "$dev" && echo "DEV is still a character device"
rm -f "$d/null"
parity plot mel_ref.safetensors mel_port.safetensors -t flow.mu -o "$d/dir" 2>&1 | sed "s#$d#TMP#g"
parity report mel_ref.safetensors mel_port.safetensors -o "$d/fifo" 2>&1 | sed "s#$d#TMP#g"
parity report mel_ref.safetensors mel_port.safetensors -o "$d/none/r.html" 2>&1 | sed "s#$d#TMP#g"
echo "exit ${PIPESTATUS[0]}"
ls -A "$d"
rm -rf "$d"
