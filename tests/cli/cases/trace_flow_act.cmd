# Data flow recorded by the Python tracer (tools/gen_dataflow_fixtures.py):
# bug (a), GELU's tanh approximation where the reference uses erf. The stage
# where it acts, layers.0.feed_forward.gelu, introduces the error (its input
# matches); every later diverging stage inherits it, layer 1's GELU too (its
# input carries the error below the MATCH tolerance, x1.4 less)
parity trace dataflow/ref.safetensors dataflow/port_act.safetensors
