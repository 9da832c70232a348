# PyTorch state dict vs the same weights as an MLX port keeps them: conv
# weights permuted, q/k/v and gate/up fused, up_proj in BF16, o_proj scaled by 2,
# down_proj missing, the final norm renamed (no --map: only in each side),
# lm_head tied to the embedding (one storage) and absent from the port
parity weights weights/ref.pt weights/mlx.safetensors --labels PyTorch,MLX
