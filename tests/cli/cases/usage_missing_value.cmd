parity diff a b --atol
