# rule 3 of the map renames no PORT name (a typo): one warning, exit status unchanged
parity diff python swift --map edge/map_unused.txt -q
