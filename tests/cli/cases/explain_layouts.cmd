# layouts: the alignment comes first; a weight whose bytes are read in another shape; rows swapped
parity explain explain/ref explain/port -t act -t weight -t rows
