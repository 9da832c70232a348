# without -t: every tensor that is not MATCH (no execution order in a folder of .npy)
parity explain explain/ref explain/port
