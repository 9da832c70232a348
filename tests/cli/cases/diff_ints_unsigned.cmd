# U64 2^64-1 is not I64 -1, though the bits are the same
parity diff edge/u64_ref.npy edge/i64_port.npy
