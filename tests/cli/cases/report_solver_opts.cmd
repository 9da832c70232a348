# report takes trace's solver options: with patterns that select nothing
# the solver section names the patterns tried; with the trace's own
# patterns (the port with its own names, through the map) the schedule
# and its verdict are there; a --x0 naming no stage is refused as in trace
d=$(mktemp -d)
parity report trace/ref.safetensors trace/port_fewer.safetensors --velocity '*.vel' --cond '*.vc' -o "$d/r.html" > /dev/null
echo "exit $?"
grep -o "<p id=\"solver-none\">.*</p>" "$d/r.html" | sed "s/<[^>]*>//g"
parity report trace/ref.safetensors trace/port_named.safetensors --map trace/port_named.map --state 'ode.*.x' --velocity '*.dxdt' --cond '*.v_cond' --uncond '*.v_uncond' --x0 noise -o "$d/r.html" > /dev/null
echo "exit $?"
grep -o "<p id=\"schedule-verdict\"[^>]*>[^<]*</p>" "$d/r.html"
grep -c "<tr data-k=" "$d/r.html"
parity report trace/ref.safetensors trace/port_fewer.safetensors --x0 nosuch -o "$d/r.html"
echo "exit $?"
rm -rf "$d"
