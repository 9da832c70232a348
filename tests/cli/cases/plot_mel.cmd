# the mel heatmaps: exit 1 (LARGE DIFF); the PNG is checked by its header
# (signature, IHDR width and height of docs/pictures.md) and its text chunks,
# not by its bytes, which depend on the libspng build
d=$(mktemp -d)
parity plot mel_ref.safetensors mel_port.safetensors -t decoder.final_proj -o "$d/mel.png" --labels PyTorch,Swift | sed "s#$d#OUT#"
rc=${PIPESTATUS[0]}
echo "signature: $(od -An -tx1 -N8 "$d/mel.png" | tr -d " ")"
echo "width height:$(od -An -tu4 --endian=big -j16 -N8 "$d/mel.png")"
grep -ao "parity\.[a-z_]*" "$d/mel.png" | sort -u
rm -rf "$d"
exit $rc
