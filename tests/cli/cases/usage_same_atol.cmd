# a tolerance does not apply to a bitwise comparison: refused, not ignored
parity same python swift --atol 1e-3
