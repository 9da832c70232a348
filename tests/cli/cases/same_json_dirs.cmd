parity same python swift --format json --labels first,second
