parity same a b --format md
