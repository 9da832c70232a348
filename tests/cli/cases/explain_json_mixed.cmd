parity explain edge/i32 edge/f32 -t tokens --format json
