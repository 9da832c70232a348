# rule 2 of the map uses \d (a plain 'd' in POSIX ERE): one warning, exit status unchanged
parity diff python swift --map edge/map_digits.txt -q
