parity diff python swift --format md --labels Python,Swift
