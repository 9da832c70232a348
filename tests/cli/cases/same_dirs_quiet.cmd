parity same python swift -q
