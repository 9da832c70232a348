# the same order as a JSON token: "file"
parity info weights/copies_ref.pt --only 'layers.0.*' --format json
