# an option of another verb is refused
parity weights weights/ref.pt weights/mlx.safetensors --axis 0
