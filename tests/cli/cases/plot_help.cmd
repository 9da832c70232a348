parity plot --help
