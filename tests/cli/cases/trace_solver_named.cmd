# a port with its own names (paired by a map) and one more step: the step
# is found under the port's own pattern (solver.it{k}.vel), not the
# reference's
parity trace trace/ref.safetensors trace/port_named.safetensors --map trace/port_named.map
