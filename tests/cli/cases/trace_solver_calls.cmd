# the solver's tensors named as the tracers name repeated calls (ode.x,
# ode.x#1, ...): the default patterns *.x, *.dxdt, *.v_cond, *.v_uncond
# match their base names, so the schedules and weights need no option
parity trace trace/ref_calls.safetensors trace/port_solver_calls.safetensors
