# The report's explain section lists the matcher's alignment first, as
# `parity explain` does; the schedule table says why a step has no dt
# (here the initial state is skipped, so step 1 cannot be fitted)
d=$(mktemp -d)
parity report explain/ref explain/port --only act --only weight --only uncorr -o "$d/a.html" > /dev/null
rc=${PIPESTATUS[0]}
sed -n "/<section id=\"explain\"/,/<\/section>/p" "$d/a.html" | grep -E "^(<tr>|<p class=.none)" | sed "s/<[^>]*>/ /g; s/  */ /g; s/^ //"
parity report trace/ref.safetensors trace/port_solver.safetensors --skip noise -o "$d/s.html" > /dev/null
sed -n "/<table id=\"schedule-table\"/,/<\/table>/p" "$d/s.html" | grep "^<tr data-k=\"1\"" | sed "s/<[^>]*>/ /g; s/  */ /g; s/^ //"
rm -rf "$d"
exit $rc
