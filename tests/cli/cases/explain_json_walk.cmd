parity explain python swift --format json
