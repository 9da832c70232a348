parity diff python swift --format=json
