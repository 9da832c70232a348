# -o onto a symbolic link: refused (exit 2, the link and the file it names
# untouched); with --force the file it names is replaced and the link stays;
# a link to a device is refused even with --force
d=$(mktemp -d)
echo "notes" > "$d/notes.txt"
ln -s notes.txt "$d/link.html"
dev=/dev/null # as in output_not_regular: our own null device where we may
mknod "$d/null" c 1 3 2>/dev/null && dev="$d/null"
ln -s "$dev" "$d/null.html"
parity report mel_ref.safetensors mel_port.safetensors -o "$d/link.html" 2>&1 | sed "s#$d#TMP#g"
echo "exit ${PIPESTATUS[0]}"
cat "$d/notes.txt"
parity report mel_ref.safetensors mel_port.safetensors -o "$d/link.html" --force 2>&1 | sed "s#$d#TMP#g"
echo "exit ${PIPESTATUS[0]}"
test -L "$d/link.html" && echo "link.html is still a link to $(readlink "$d/link.html")"
head -c 15 "$d/notes.txt"; echo
parity report mel_ref.safetensors mel_port.safetensors -o "$d/null.html" --force 2>&1 | sed "s#$d#TMP#g"
echo "exit ${PIPESTATUS[0]}"
rm -rf "$d"
