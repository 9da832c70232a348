# nor does a dB domain
parity same python swift --domain=ln-mag
