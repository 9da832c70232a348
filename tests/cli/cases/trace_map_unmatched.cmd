# trace warns about a --map rule that renames nothing, as diff does
parity trace python swift --map edge/map_unused.txt -q
