# a write error on standard output gives exit 2 and the reason, whatever
# the verb found; -o - run from a directory of its own, which stays empty
# (a parity that took "-" for a file name would write it there)
parity diff mel_ref.safetensors mel_port.safetensors > /dev/full
echo "exit $?"
parity trace trace/ref.safetensors trace/port_same.safetensors > /dev/full
echo "exit $?"
d=$(mktemp -d)
cd "$d" || exit 2
parity report "$OLDPWD/mel_ref.safetensors" "$OLDPWD/mel_port.safetensors" -o - > /dev/full
echo "exit $?"
ls -A
cd - >/dev/null
rm -rf "$d"
