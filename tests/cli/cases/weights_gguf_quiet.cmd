# the whole GGUF comparison, verdicts only
parity weights weights/ref.pt weights/q8.gguf --map weights/gguf.map -q
