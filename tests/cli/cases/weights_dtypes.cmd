# BF16 values beyond F16's range become inf; F32 rounded to F16; rows
# shuffled; equal integers; -v adds the More: line
parity weights weights/dtypes_ref.safetensors weights/dtypes_port.safetensors -v
