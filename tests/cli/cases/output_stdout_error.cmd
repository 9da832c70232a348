# a write error on standard output gives exit 2 and the reason, whatever
# the verb found
parity diff mel_ref.safetensors mel_port.safetensors > /dev/full
echo "exit $?"
parity trace trace/ref.safetensors trace/port_same.safetensors > /dev/full
echo "exit $?"
parity report mel_ref.safetensors mel_port.safetensors -o - > /dev/full
echo "exit $?"
