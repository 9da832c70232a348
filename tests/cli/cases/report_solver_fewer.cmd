# the report gives trace's schedule verdict, and a row for the step only
# the reference has
d=$(mktemp -d)
parity report trace/ref.safetensors trace/port_fewer.safetensors -o "$d/r.html" > /dev/null
grep -o "<p id=\"schedule-verdict\"[^>]*>[^<]*</p>" "$d/r.html"
grep -o "<tr data-k=\"4\">.*</tr>" "$d/r.html" | head -1
rm -rf "$d"
