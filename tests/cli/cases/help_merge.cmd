parity merge --help
