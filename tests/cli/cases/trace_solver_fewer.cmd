# the port stops one step early: a row for step 4 (only in ref, no dt on
# the port's side, its t stays), each side's own end time, and the verdict
# says the schedules differ in their number of steps
parity trace trace/ref.safetensors trace/port_fewer.safetensors
