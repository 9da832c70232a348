# a norm whose recorded input is channels-first while it is channels-last:
# the input is brought to the stage's layout, and the eps is fitted
parity explain explain_layout/ref.safetensors explain_layout/port.safetensors -t norm
