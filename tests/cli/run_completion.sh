#!/usr/bin/env bash
# run_completion.sh — the bash completion (cli/parity.bash) completes a
# verb, an option and an option's value from what the command's help says:
# sourced into a clean bash, its function _parity is called as readline
# calls it (COMP_WORDS, COMP_CWORD) and COMPREPLY is compared with the
# verbs of `parity --help` and the options of `parity VERB --help`. A
# stand-in command with an option the real one lacks shows the completion
# reads the help when it runs rather than a list of its own.
set -u
src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
PARITY=${PARITY:-$src/build/parity}
case "$PARITY" in /*) ;; *) PARITY="$(pwd)/$PARITY" ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/files"
ln -s "$PARITY" "$tmp/bin/parity"
touch "$tmp/files/ref.safetensors" "$tmp/files/report.html"

PATH="$tmp/bin:$PATH" FILES="$tmp/files" bash --norc --noprofile -s "$src/cli/parity.bash" <<'SH'
source "$1" || exit 1
fail=0
# comp WORD...: what completing the last word offers, one per line, sorted
comp() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _parity
    printf '%s\n' "${COMPREPLY[@]}" | sort
}
# expect WHAT GOT WANT
expect() {
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        echo "FAIL: $1"
        diff <(echo "$3") <(echo "$2") | sed 's/^/    /'
        fail=1
    fi
}
sorted() { printf '%s\n' "$@" | sort; }

expect "complete -p parity uses _parity" "$(complete -p parity)" "complete -F _parity parity"

verbs=$(parity --help | sed -n 's/^  parity \([a-z]*\) .*/\1/p')
expect "a verb: parity tr<TAB>" "$(comp parity tr)" "trace"
expect "every verb: parity <TAB>" "$(comp parity '')" "$(sorted $verbs --help --version)"

for v in $verbs; do
    opts=$(parity "$v" --help | sed -n 's/^  \(-., \)\{0,1\}\(--[a-z0-9-]*\).*/\2/p')
    expect "every option of parity $v --help: parity $v a b --<TAB>" \
        "$(comp parity "$v" a b --)" "$(sorted $opts)"
done
expect "an option: parity diff --no-p<TAB>" "$(comp parity diff --no-p)" "--no-progress"
expect "an option the verb lacks: parity info --col<TAB>" "$(comp parity info --col)" ""

expect "a value: parity diff a b --format j<TAB>" "$(comp parity diff a b --format j)" "json"
expect "every value: parity same a b --format <TAB>" "$(comp parity same a b --format '')" \
    "$(sorted text json)"
expect "a value after '=': parity trace a b --format=<TAB>" \
    "$(comp parity trace a b --format = '')" "$(sorted text json md)"
expect "a continued help line: parity trace a b --domain ln-<TAB>" \
    "$(comp parity trace a b --domain ln-)" "$(sorted ln-mag ln-power)"
expect "a value: parity diff a b --color a<TAB>" "$(comp parity diff a b --color a)" \
    "$(sorted auto always)"
expect "no guess for a tensor name: parity explain a b -t <TAB>" "$(comp parity explain a b -t '')" ""
expect "files for -o: parity report a b -o \$FILES/rep<TAB>" \
    "$(comp parity report a b -o "$FILES/rep")" "$FILES/report.html"
expect "files for REF: parity diff \$FILES/r<TAB>" "$(comp parity diff "$FILES/r")" \
    "$(sorted "$FILES/ref.safetensors" "$FILES/report.html")"

# A command whose help has an option parity lacks: completed all the same.
cat > "$FILES/fake" <<'FAKE'
#!/bin/sh
if [ "$1" = --help ]; then printf '  parity frob A B\n      frobnicate\n'; exit 0; fi
printf 'options:\n  --frobnicate HOW   a|b|c\n  -h, --help   this help\n'
FAKE
chmod +x "$FILES/fake"
expect "the verbs of another help" "$(comp "$FILES/fake" f)" "frob"
expect "the options of another help" "$(comp "$FILES/fake" frob --f)" "--frobnicate"
expect "the values of another help" "$(comp "$FILES/fake" frob --frobnicate '')" "$(sorted a b c)"
exit $fail
SH
