parity same a b --format json
