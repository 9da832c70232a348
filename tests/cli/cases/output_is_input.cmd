# -o naming an input is refused before any work (exit 2) and the input is
# left as it was: the file given, for report and for plot
d=$(mktemp -d)
cp mel_ref.safetensors "$d/ref.safetensors"
parity report "$d/ref.safetensors" mel_port.safetensors -o "$d/ref.safetensors" 2>&1 | sed "s#$d#TMP#g"
echo "exit ${PIPESTATUS[0]}"
parity plot mel_ref.safetensors "$d/ref.safetensors" -t flow.mu -o "$d/ref.safetensors" 2>&1 | sed "s#$d#TMP#g"
echo "exit ${PIPESTATUS[0]}"
cmp -s "$d/ref.safetensors" mel_ref.safetensors && echo "the input is intact"
ls -A "$d"
rm -rf "$d"
