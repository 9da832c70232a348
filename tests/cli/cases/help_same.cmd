# same takes only the options that apply to a bitwise comparison
parity same --help
