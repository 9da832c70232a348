# a name on neither side: exit 2, one line
parity explain explain/ref explain/port -t nosuch
