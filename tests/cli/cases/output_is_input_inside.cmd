# -o naming a file read through an input rather than given: a file inside
# a folder given, a trace directory's index.json, a stage file of it, the
# --map file, a hard link to an input; all refused before any work (exit
# 2), every input intact
d=$(mktemp -d)
cp -r python "$d/py"
cp edge/map_digits.txt "$d/map.txt"
mkdir "$d/trace"
cp mel_ref.safetensors "$d/trace/000001.safetensors"
printf '%s\n' '{"format":"parity-trace","version":1,"order":["tokens","flow.mu","decoder.final_proj"],"inputs":["tokens"],"files":{"tokens":"000001.safetensors","flow.mu":"000001.safetensors","decoder.final_proj":"000001.safetensors"},"metadata":{}}' > "$d/trace/index.json"
cp "$d/trace/index.json" "$d/index.copy"
ln "$d/py/step10_mel.npy" "$d/hardlink.npy"
parity report "$d/py" swift -o "$d/py/step10_mel.npy" 2>&1 | sed "s#$d#TMP#g"
parity report "$d/trace" mel_port.safetensors -o "$d/trace/index.json" 2>&1 | sed "s#$d#TMP#g"
parity report mel_port.safetensors "$d/trace" -o "$d/trace/000001.safetensors" 2>&1 | sed "s#$d#TMP#g"
parity plot python swift -t step10_mel --map "$d/map.txt" -o "$d/map.txt" 2>&1 | sed "s#$d#TMP#g"
parity plot "$d/py" swift -t step10_mel -o "$d/hardlink.npy" 2>&1 | sed "s#$d#TMP#g"
echo "exit ${PIPESTATUS[0]}"
diff -r python "$d/py" && cmp -s edge/map_digits.txt "$d/map.txt" && cmp -s "$d/index.copy" "$d/trace/index.json" && cmp -s mel_ref.safetensors "$d/trace/000001.safetensors" && echo "every input is intact"
rm -rf "$d"
