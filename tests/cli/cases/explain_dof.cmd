# a NumPy port stored in F16 whose block 1 misses 1/sqrt(8) in its scores:
# under the F16 noise a scale per row (12 lines of 6 values) fits a little
# closer, but only by what its 12 scales soak up of the noise; counted per
# degree of freedom the one scale sqrt(8) is as good, and simpler: first
parity explain dataflow/ref.safetensors dataflow/np_port_scale_f16.safetensors --map dataflow/np_port.map -t layers.1.attention.div
