parity report --help
