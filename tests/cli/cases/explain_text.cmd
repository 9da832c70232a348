# one line per candidate: region, shift, clamp, offset; nothing for noise and an unrelated port
parity explain explain/ref explain/port -t region -t shift -t clamp -t offset -t noise -t uncorr
