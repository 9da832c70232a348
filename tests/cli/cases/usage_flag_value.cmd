parity diff a b --by-order=yes
