parity info --help
