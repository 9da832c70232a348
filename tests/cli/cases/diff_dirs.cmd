parity diff python swift --labels Python,Swift
