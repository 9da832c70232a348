# Markdown: one table row per weight, the groups as a table
parity weights weights/ref.pt weights/mlx.safetensors --format md --labels PyTorch,MLX
