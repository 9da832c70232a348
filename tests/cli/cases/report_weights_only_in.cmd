# weights with no name in common: everything is "only in", named by --labels
d=$(mktemp -d)
parity report trace/ref.safetensors trace/port_solver.safetensors -o "$d/r.html" --labels PyTorch,Swift --weights mel_ref.safetensors trace/ref.safetensors | sed "s#$d#OUT#"
rc=${PIPESTATUS[0]}
grep -o "<p class=\"only-in\">Only in [^:]*" "$d/r.html" | sed "s/<[^>]*>//g"
rm -rf "$d"
exit $rc
