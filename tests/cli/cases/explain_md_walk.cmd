parity explain python swift --format md
