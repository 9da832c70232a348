# Markdown, and the offset in dB of a natural-log magnitude
parity explain explain/ref explain/port -t offset -t uncorr --format md --domain ln-mag
