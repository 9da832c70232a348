# bash completion for parity (installed as
# share/bash-completion/completions/parity; or: source cli/parity.bash).
#
# The verbs and options are asked of the command being completed, when
# completing (`parity --help`, `parity VERB --help`), so this script cannot
# disagree with the option table it completes from. After an option that
# takes a value: the choices its help lists (text|json|md), file names for
# FILE, F.png, F.html and REFW PORTW, nothing for the others (NAME, GLOB,
# numbers). Anywhere else: file names. tests/cli/run_completion.sh checks it.

# _parity_value_of HELP OPT: "ARG<TAB>CHOICES" of option OPT in a verb's
# help: its argument ("F", "NAME"; empty for a flag) and the first a|b|c
# list of its help lines. Nothing when the verb has no such option.
_parity_value_of() {
    awk -v opt="$2" '
        /^  -/ {
            if (found) exit
            left = substr($0, 3); sub(/  .*/, "", left)    # "-t, --tensor NAME"
            n = split(left, w, /,? +/)
            for (i = 1; i <= n; i++) if (w[i] == opt) found = 1
            if (!found) next
            arg = ""
            for (i = 1; i <= n; i++) if (w[i] !~ /^-/) arg = arg (arg == "" ? "" : " ") w[i]
            rest = substr($0, 3 + length(left))
        }
        found && !/^  -/ { rest = rest " " $0 }
        END {
            if (!found) exit 1
            choices = ""
            if (match(rest, /[a-z0-9][a-z0-9-]*(\|[a-z0-9][a-z0-9-]*)+/))
                choices = substr(rest, RSTART, RLENGTH)
            printf "%s\t%s\n", arg, choices
        }' <<<"$1"
}

_parity() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    local cmd=${COMP_WORDS[0]} verb=${COMP_WORDS[1]:-} help value arg choices
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # "--format=js": readline splits at '=' (COMP_WORDBREAKS)
    if [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    elif [[ $cur == = ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 1]} cur=
    fi
    COMPREPLY=()
    if ((COMP_CWORD == 1)); then
        local verbs
        verbs=$("$cmd" --help 2>/dev/null | sed -n 's/^  parity \([a-z][a-z-]*\) .*/\1/p')
        mapfile -t COMPREPLY < <(compgen -W "$verbs --help --version" -- "$cur")
        return 0
    fi
    help=$("$cmd" "$verb" --help 2>/dev/null) || return 0
    if [[ $prev == -?* && $cur != -* ]] && value=$(_parity_value_of "$help" "$prev"); then
        arg=${value%%$'\t'*}
        choices=${value#*$'\t'}
        if [ -n "$arg" ]; then # the word being completed is the option's value
            case $arg in
                FILE | F.* | REFW*)
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                    ;;
                *) [ -n "$choices" ] && mapfile -t COMPREPLY < <(compgen -W "${choices//|/ }" -- "$cur") ;;
            esac
            return 0
        fi
    fi
    if [[ $cur == -* ]]; then
        local opts
        opts=$(sed -n 's/^  \(-[a-zA-Z], \)\{0,1\}\(--[a-z0-9][a-z0-9-]*\).*/\2/p' <<<"$help")
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
        return 0
    fi
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return 0
}

complete -F _parity parity
