# an empty tensor with 2^30-long axes: --axis breaks nothing down and allocates
# nothing for its declared length; plot draws it without a profile
parity diff edge/empty_wide.npy edge/empty_wide.npy --axis 1 --axis 2; echo "exit $?"
d=$(mktemp -d); parity plot edge/empty_wide.npy edge/empty_wide.npy -o "$d/p.png" | sed "s#$d#TMP#"; echo "exit $?"; rm -rf "$d"
