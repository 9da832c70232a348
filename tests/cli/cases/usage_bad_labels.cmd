parity diff a b --labels Python
