# I64 beyond 2^53 (the port big-endian): doubles see [2^53, 5, 2^62] twice; exact integers differ
parity diff edge/ints_ref.npy edge/ints_port.npy
