# report --weights: the map renames PORT names of the trace and of the weights;
# rule 1 renames a trace name, rule 2 only a weight name (flow.mu), rule 3 nothing:
# only rule 3 is warned about (stderr shown on stdout, with the map's path)
d=$(mktemp -d)
printf '%s\n' '^step10_(mel)$ => step10_\1' '^flow[.]mu$ => flow.mu' '^nothing_([0-9]+)$ => x\1' > "$d/map.txt"
parity report python swift --weights mel_ref.safetensors mel_port.safetensors --map "$d/map.txt" -o "$d/r.html" 2>&1 >/dev/null | sed "s#$d#TMP#"
rc=${PIPESTATUS[0]}
rm -rf "$d"
exit $rc
