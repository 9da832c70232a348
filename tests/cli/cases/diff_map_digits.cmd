# \d in a --map regex is a digit: step11_extra pairs with step4_x0 (shapes differ)
parity diff python swift --map edge/map_digits.txt -q
