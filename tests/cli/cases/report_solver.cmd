# the solver trace: exit 1; the page is checked by what it holds, not by its
# bytes: one document, no external reference, the highlighted row (numbered
# from 1, as parity trace counts), cards with inline PNG heatmaps
d=$(mktemp -d)
parity report trace/ref.safetensors trace/port_solver.safetensors -o "$d/r.html" --labels PyTorch,C | sed "s#$d#OUT#"
rc=${PIPESTATUS[0]}
h=$d/r.html
head -1 "$h"; tail -1 "$h"
echo "external references: $(grep -oE "(src|href)=\"(https?:)?//" "$h" | wc -l)"
echo "stage rows: $(grep -o "<tr id=\"stage-" "$h" | wc -l)"
grep -oE "<tr id=\"stage-[0-9]+\" class=\"[a-z ]+\" data-name=\"[^\"]*\"" "$h"
echo "cards: $(grep -o "<article class=\"card\"" "$h" | wc -l), PNG heatmaps: $(grep -o "src=\"data:image/png;base64,iVBORw0KGgo" "$h" | wc -l)"
grep -o "<h2 id=\"[a-z]*-h\">[^<]*" "$h" | sed "s/.*>//"
rm -rf "$d"
exit $rc
