# bug (a) as JSON: role, via, parents, inherits_from per stage; rule, graph,
# culprits, path and flow_disagree at the top
parity trace dataflow/ref.safetensors dataflow/port_act.safetensors --format json
