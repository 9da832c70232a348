# the map parity match writes: one rule per pair names do not make
d=$(mktemp -d)
parity match pairing/ref.safetensors pairing/port_wt.safetensors -o "$d/map.txt" > /dev/null 2> "$d/err"
rc=$?
sed "s|$d|DIR|g" "$d/err"
cat "$d/map.txt"
rm -rf "$d"
exit $rc
