parity --version
