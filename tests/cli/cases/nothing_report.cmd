# a report that compared nothing says so at the top of the page, exit 1
d=$(mktemp -d)
parity report pairing/apart_ref.safetensors pairing/apart_port.safetensors -o "$d/r.html" > /dev/null
rc=$?
grep -o '<p id="verdict"[^>]*>[^<]*' "$d/r.html" | sed 's/<[^>]*>//g; s/&gt;/>/g; s/&#39;/'"'"'/g'
grep -o '<p id="coverage">[^<]*' "$d/r.html" | sed 's/<[^>]*>//g'
rm -rf "$d"
exit $rc
