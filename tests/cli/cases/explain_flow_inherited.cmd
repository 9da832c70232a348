# explain never calls inherited error "precision only": with the data flow,
# the stages whose inputs already differ (layer 1's product; the output,
# whose input carries the error below the MATCH tolerance) say where the
# error comes from, and the culprit is fitted against its input; without
# data flow nothing says where the error comes from
parity explain dataflow/ref.safetensors dataflow/port_act.safetensors -t layers.1.feed_forward.mul -t output -t layers.0.feed_forward.gelu
echo "--- without data flow"
parity explain dataflow/ref_noflow.safetensors dataflow/port_act_noflow.safetensors -t layers.1.feed_forward.mul -t output
