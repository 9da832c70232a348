parity weights --help
