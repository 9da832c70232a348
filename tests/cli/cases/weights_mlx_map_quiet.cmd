# the --map rule pairs the renamed norm; -q: verdicts, names on one side, summary
parity weights weights/ref.pt weights/mlx.safetensors --map weights/mlx.map -q
