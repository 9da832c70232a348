# --only / --skip select reference names: the fused qkv_proj, which no glob
# names, is kept for k_proj and v_proj, the parts left once q_proj is skipped
parity weights weights/ref.pt weights/mlx.safetensors --map weights/mlx.map -q --only '*.layers.0.*' --skip '*.q_proj.*'
