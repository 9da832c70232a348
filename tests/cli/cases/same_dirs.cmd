parity same python swift --labels first,second
