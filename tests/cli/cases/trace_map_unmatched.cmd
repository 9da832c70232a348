# trace warns about a --map rule that renames nothing, as diff does (rule 3: \d is a plain 'd' in ERE)
parity trace python swift --map edge/map_digits.txt -q
