parity diff edge/scr_ref.npy edge/scr_port.npy
