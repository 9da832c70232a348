# explain never calls inherited error "precision only": with the data flow,
# the stages whose inputs already differ say where the error comes from;
# the same traces without data flow still offer precision
parity explain dataflow/ref.safetensors dataflow/port_act.safetensors -t layers.1.feed_forward.mul -t output -t layers.0.feed_forward.gelu
echo "--- without data flow"
parity explain dataflow/ref_noflow.safetensors dataflow/port_act_noflow.safetensors -t layers.1.feed_forward.mul -t output
