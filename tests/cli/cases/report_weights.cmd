# --weights adds the weight section, with the side names of --labels: every
# paired tensor with shapes, layout, relative, abs_max and verdict
d=$(mktemp -d)
parity report trace/ref.safetensors trace/port_solver.safetensors -o "$d/r.html" --labels PyTorch,Swift --weights mel_ref.safetensors mel_port_T.safetensors | sed "s#$d#OUT#"
rc=${PIPESTATUS[0]}
sed -n "/<section id=\"weights\"/,/<\/section>/p" "$d/r.html" | grep -oE "<th scope=\"col\">[^<]*</th>" | sed "s/<[^>]*>//g" | tr "\n" " "; echo
sed -n "/<section id=\"weights\"/,/<\/section>/p" "$d/r.html" | grep "^<tr>" | sed "s/<[^>]*>/ /g; s/&larr;/<-/g; s/  */ /g; s/^ //"
rm -rf "$d"
exit $rc
