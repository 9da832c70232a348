parity trace python swift --labels Python,Swift
