parity trace --help
