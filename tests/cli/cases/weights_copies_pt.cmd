# a PyTorch reference records sharing: lm_head is embed's storage (tied, not
# missing), layer 1 a deep copy of layer 0 (separate storages): the copy the
# port lacks is only in ref (exit 1) with a note, and equal values in
# either file are never "tied"
parity weights weights/copies_ref.pt weights/copies_port.safetensors
