# every field at full precision, one document (docs/json-schema.md)
parity weights weights/ref.pt weights/mlx.safetensors --map weights/mlx.map --format json
