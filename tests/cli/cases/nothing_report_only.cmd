parity report pairing/apart_ref.safetensors pairing/apart_port.safetensors --only 'nothing*' -o /tmp/never.html
