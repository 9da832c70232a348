# one finite 1e200 among ones: its square overflows a double, the sums stay exact
parity diff edge/huge_ref.npy edge/huge_port.npy -v
