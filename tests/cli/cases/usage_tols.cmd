parity diff a b --match-tol 0.1 --small-tol 0.01
