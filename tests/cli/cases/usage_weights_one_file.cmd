# weights compares two checkpoints
parity weights weights/ref.pt
