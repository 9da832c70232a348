# explain writes text, json or md
parity explain explain/ref explain/port --format csv
