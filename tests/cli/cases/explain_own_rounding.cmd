# a port that stores every stage as F16: its rounding is the stage's own,
# judged on the pair whatever its inputs, so "precision only" is named even
# where the inputs (or the data flow's blame) differ, and no "inherited"
# note contradicts it; a model input (noise) is given no input (cond, the
# model input before it, is none of its inputs)
parity explain explain_inputs/ref.safetensors explain_inputs/port_f16.safetensors -t noise -t mix
echo "--- an F16 stage of a traced model whose parent differs"
parity explain dataflow/ref.safetensors dataflow/np_port_scale_f16.safetensors --map dataflow/np_port.map -t layers.0.feed_forward.gelu
