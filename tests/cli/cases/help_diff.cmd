parity diff --help
