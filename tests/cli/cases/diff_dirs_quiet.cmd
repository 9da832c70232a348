parity diff python swift -q
