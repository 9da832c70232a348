# the report goes through a new hidden temporary file: a link planted at
# the old predictable name OUT.tmp is not followed, a user's OUT.tmp is
# not consumed; the new file's mode comes from the umask, a replaced
# file keeps its own
d=$(mktemp -d)
echo "victim" > "$d/victim"
ln -s victim "$d/r.html.tmp"
echo "mine" > "$d/s.html.tmp"
umask 027
parity report mel_ref.safetensors mel_port.safetensors -o "$d/r.html" | sed "s#$d#OUT#"
cp "$d/r.html" "$d/s.html"
chmod 604 "$d/s.html"
parity report mel_ref.safetensors mel_port.safetensors -o "$d/s.html" | sed "s#$d#OUT#"
cat "$d/victim" "$d/s.html.tmp"
stat -c "%A %n" "$d/r.html" "$d/s.html" | sed "s#$d/##"
ls -A "$d"
rm -rf "$d"
