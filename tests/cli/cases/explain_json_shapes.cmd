parity explain python swift -t step5_pool --format json
