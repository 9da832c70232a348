# -o that is not a regular file is refused before any work (exit 2): a
# device (it stays a device), a directory; a directory that does not exist
# or a FIFO, with the system's reason
d=$(mktemp -d)
mkdir "$d/dir"
mkfifo "$d/fifo"
parity report mel_ref.safetensors mel_port.safetensors -o /dev/null
echo "exit $?"
test -c /dev/null && echo "/dev/null is still a character device"
parity plot mel_ref.safetensors mel_port.safetensors -t flow.mu -o "$d/dir" 2>&1 | sed "s#$d#TMP#g"
parity report mel_ref.safetensors mel_port.safetensors -o "$d/fifo" 2>&1 | sed "s#$d#TMP#g"
parity report mel_ref.safetensors mel_port.safetensors -o "$d/none/r.html" 2>&1 | sed "s#$d#TMP#g"
echo "exit ${PIPESTATUS[0]}"
ls -A "$d"
rm -rf "$d"
