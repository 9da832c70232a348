# -o - writes to standard output (and no file named "-"); the PNG of plot
# and the page of report, bytes only
d=$(mktemp -d)
cd "$d" || exit 2
parity report "$OLDPWD/mel_ref.safetensors" "$OLDPWD/mel_port.safetensors" -o - | grep -c "^<html lang="
echo "exit ${PIPESTATUS[0]}"
parity plot "$OLDPWD/mel_ref.safetensors" "$OLDPWD/mel_port.safetensors" -t flow.mu -o - > plot.png
echo "exit $?"
od -An -tx1 -N8 plot.png | tr -d " "
ls -A
cd - >/dev/null
rm -rf "$d"
