# two empty folders: info lists none; every comparing verb compares nothing, which is
# never a success (exit 1, the report still written), and trips no sanitizer
d=$(mktemp -d); mkdir "$d/a" "$d/b"; cd "$d"
for v in info diff trace explain weights same; do parity $v a b; echo "$v: exit $?"; done
parity report a b -o r.html; echo "report: exit $?"; test -s r.html && echo "report written"
parity plot a b -t x -o p.png; echo "plot: exit $?"
cd /; rm -rf "$d"
