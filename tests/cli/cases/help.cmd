parity --help
