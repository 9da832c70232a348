# a port traced one position per call (rope, rope#1 .. rope#5) against a
# reference holding every position: -t NAME@k (the name trace prints) is
# position k; -t NAME (the tensor holding them all) is the series' worst
# position, named in the header, never position 0 alone, which matches;
# a member's own name is its position; the walk names the position too
parity explain explain_steps/ref.safetensors explain_steps/port.safetensors -t rope -t rope@2 -t 'rope#3' -t rope@0
echo "--- walked"
parity explain explain_steps/ref.safetensors explain_steps/port.safetensors
