parity
