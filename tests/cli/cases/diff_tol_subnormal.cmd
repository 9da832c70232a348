# every finite tolerance >= 0 is taken, subnormals included (strtod's ERANGE is no error);
# -0 is 0; a negative number too small for a double is still negative
parity diff mel_ref.safetensors mel_port.safetensors --match-tol 4.9e-324 --small-tol 1e-320 -q; echo "exit $?"
parity diff mel_ref.safetensors mel_ref.safetensors --atol 1e-310 --rtol -0 -q; echo "exit $?"
parity diff mel_ref.safetensors mel_ref.safetensors --atol -1e-400; echo "exit $?"
