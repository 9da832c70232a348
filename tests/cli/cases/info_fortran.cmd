parity info edge/fortran.npy edge/scr_ref.npy
