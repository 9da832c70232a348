# explain -t exits as parity diff would: --atol makes the f16-rounded act
# MATCH (0); integers that differ only beyond 2^53 differ (1)
parity explain explain/ref explain/port -t act --atol 0.01 > /dev/null; echo "act --atol 0.01: $?"
parity explain explain/ref explain/port -t act > /dev/null; echo "act: $?"
parity explain edge/ints_ref.npy edge/ints_port.npy -t ints_ref; echo "ints: $?"
