# flow.mu matches: exit 0; one profile along --axis 1 (80 mel bins)
d=$(mktemp -d)
parity plot mel_ref.safetensors mel_port.safetensors -t flow.mu -o "$d/mu.png" --axis 1 --slice 0,:,: | sed "s#$d#OUT#"
rc=${PIPESTATUS[0]}
echo "width height:$(od -An -tu4 --endian=big -j16 -N8 "$d/mu.png")"
rm -rf "$d"
exit $rc
