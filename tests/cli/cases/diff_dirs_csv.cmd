parity diff python swift --format csv
