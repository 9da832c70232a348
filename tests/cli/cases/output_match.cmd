# parity match -o writes its map like plot and report write: refused
# before any work (exit 2, one line) when it is an input, the --map file,
# a directory, a symbolic link (without --force) or "-" (standard output
# holds the pairing); the inputs and the link stay as they were
d=$(mktemp -d)
cp pairing/ref.safetensors "$d/ref.safetensors"
printf 'x = y\n' > "$d/map.txt"
mkdir "$d/dir"
ln -s "$d/map.txt" "$d/link.txt"
parity match "$d/ref.safetensors" pairing/port_wt.safetensors -o "$d/ref.safetensors" 2>&1 | sed "s#$d#TMP#g"
echo "exit ${PIPESTATUS[0]}"
parity match "$d/ref.safetensors" pairing/port_wt.safetensors --map "$d/map.txt" -o "$d/map.txt" 2>&1 | sed "s#$d#TMP#g"
parity match "$d/ref.safetensors" pairing/port_wt.safetensors -o "$d/dir" 2>&1 | sed "s#$d#TMP#g"
parity match "$d/ref.safetensors" pairing/port_wt.safetensors -o "$d/link.txt" 2>&1 | sed "s#$d#TMP#g"
parity match "$d/ref.safetensors" pairing/port_wt.safetensors -o - 2>&1 | sed "s#$d#TMP#g"
echo "exit ${PIPESTATUS[0]}"
cmp -s pairing/ref.safetensors "$d/ref.safetensors" && echo "the input is unchanged"
cat "$d/map.txt"
test -L "$d/link.txt" && echo "the link is still a link"
ls -A "$d"
rm -rf "$d"
