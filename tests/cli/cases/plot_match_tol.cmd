# plot shows no SMALL DIFF, so it takes no --small-tol, and --match-tol above the
# default small-tol is no usage error: relative 25% <= 0.5 is MATCH, exit 0
d=$(mktemp -d)
parity plot mel_ref.safetensors mel_port.safetensors -t decoder.final_proj -o "$d/m.png" --match-tol 0.5 | sed "s#$d#OUT#"
rc=${PIPESTATUS[0]}
rm -rf "$d"
exit $rc
