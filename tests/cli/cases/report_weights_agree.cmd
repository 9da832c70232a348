# the report's Weights section and parity weights say the same: the same
# summary sentence, the same finding per weight
d=$(mktemp -d)
parity report trace/ref.safetensors trace/ref.safetensors -o "$d/r.html" --weights weights/ref.pt weights/mlx.safetensors >/dev/null
rc=$?
parity weights weights/ref.pt weights/mlx.safetensors | tail -1
grep -o "<p class=\"weights-summary\">[^<]*" "$d/r.html" | sed "s/<[^>]*>//"
parity weights weights/ref.pt weights/mlx.safetensors | awk "/^Weight: /{n=\$2} /^Found: /{sub(/^Found: +/, \"\"); print n \": \" \$0}" > "$d/text"
grep -o "<tr><td class=\"name\"><code>[^<]*</code>.*</td></tr>" "$d/r.html" | sed "s/<tr><td class=\"name\"><code>\([^<]*\)<.*data-finding=\"[^\"]*\">\([^<]*\)<.*/\1: \2/; s/&#39;/'/g; s/&amp;/\&/g" > "$d/html"
cmp "$d/text" "$d/html" && echo "findings agree: $(wc -l < "$d/html") weights" || diff "$d/text" "$d/html"
rm -rf "$d"
exit $rc
