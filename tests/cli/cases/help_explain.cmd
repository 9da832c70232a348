parity explain --help
