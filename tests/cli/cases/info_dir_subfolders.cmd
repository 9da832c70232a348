parity info dumps
