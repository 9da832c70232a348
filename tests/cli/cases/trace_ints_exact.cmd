# integer stages are equal or not exactly: [2^53, 5, 2^62+1] vs
# [2^53+1, 5, 2^62] differ although their doubles agree
parity trace edge/ints_ref.npy edge/ints_port.npy
