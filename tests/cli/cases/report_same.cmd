# every stage matches: exit 0
d=$(mktemp -d)
parity report trace/ref.safetensors trace/port_same.safetensors -o "$d/r.html" | sed "s#$d#OUT#"
rc=${PIPESTATUS[0]}
grep -o "<p id=\"verdict\">[^<]*" "$d/r.html"
echo "cards: $(grep -o "<article class=\"card\"" "$d/r.html" | wc -l)"
rm -rf "$d"
exit $rc
