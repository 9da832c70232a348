# the Q8_0 GGUF llama.cpp's converter would write: its names through --map,
# shapes stored as ne (reversed) read back as PyTorch's, q and k rows permuted
# per head for RoPE, every matrix quantized within its step
parity weights weights/ref.pt weights/q8.gguf --map weights/gguf.map --only 'model.layers.0.*' --only 'model.embed*'
