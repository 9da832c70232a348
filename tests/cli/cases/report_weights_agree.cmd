# the report's Weights section and parity weights say the same: the same
# summary sentence, the same finding per weight
d=$(mktemp -d)
parity report trace/ref.safetensors trace/ref.safetensors -o "$d/r.html" --weights weights/ref.pt weights/mlx.safetensors >/dev/null
rc=$?
parity weights weights/ref.pt weights/mlx.safetensors | tail -1
grep -o "<p class=\"weights-summary\">[^<]*" "$d/r.html" | sed "s/<[^>]*>//"
parity weights weights/ref.pt weights/mlx.safetensors --format json | tr "\n" " " | grep -o "\"name\":\"[^\"]*\",\"port_name\":\"[^\"]*\",\"match\":\"[^\"]*\",\"kind\":\"[^\"]*\",\"verdict\":\"[^\"]*\",\"finding\":\"[^\"]*\"" | sed "s/.*\"name\":\"\([^\"]*\)\".*\"finding\":\"\([^\"]*\)\"/\1 \2/" > "$d/text"
grep -o "<tr><td class=\"name\"><code>[^<]*</code>.*data-finding=\"[^\"]*\"" "$d/r.html" | sed "s/<tr><td class=\"name\"><code>\([^<]*\)<.*data-finding=\"\([^\"]*\)\"/\1 \2/" > "$d/html"
cmp "$d/text" "$d/html" && echo "findings agree: $(wc -l < "$d/html") weights"
rm -rf "$d"
exit $rc
