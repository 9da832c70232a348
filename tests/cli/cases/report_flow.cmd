# the report under data flow, for each planted bug: the verdict, the rule,
# the path of the error, the roles of the stage table (data-role), and the
# explain notes of inheriting stages; without data flow, the rule it used
d=$(mktemp -d)
for bug in act wq resid; do
  echo "== $bug"
  parity report dataflow/ref.safetensors dataflow/port_$bug.safetensors -o "$d/r.html" > /dev/null
  grep -oE "<p id=\"(verdict|blame-rule|blame-path)\"[^>]*>.*</p>" "$d/r.html" | sed "s/<[^>]*>//g"
  echo "roles: $(grep -oE "<tr id=\"stage-[0-9]+\"[^>]* data-role=\"[a-z]+\"" "$d/r.html" | sed "s/.*data-role=\"//; s/\"//" | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
  grep -o "<p class=\"inherited\">[^<]*" "$d/r.html" | sed "s/<[^>]*>//g" | head -2
done
echo "== no data flow"
parity report dataflow/ref_noflow.safetensors dataflow/port_act_noflow.safetensors -o "$d/r.html" > /dev/null
rc=$?
grep -oE "<p id=\"(verdict|blame-rule|blame-path)\"[^>]*>.*</p>" "$d/r.html" | sed "s/<[^>]*>//g"
echo "inherited notes: $(grep -c "<p class=\"inherited\">" "$d/r.html")"
rm -rf "$d"
exit $rc
