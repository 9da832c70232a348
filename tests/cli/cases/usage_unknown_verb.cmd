parity frobnicate a b
