# the same in JSON: first values and windows are exact integers
parity diff edge/ints_ref.npy edge/ints_port.npy --format json
