# JSON: per-index values, the full permutation, the memory-order finding, an unrelated port
parity explain explain/ref explain/port -t region -t chan -t rows -t weight -t uncorr --format json
