parity trace --state 'ode.*.x' --velocity='*.dxdt' --cond '*.v_cond' --uncond '*.v_uncond' --x0 noise trace/ref.safetensors trace/port_solver.safetensors --skip 'ode.step4*'
