# explain fits along one axis: a second --axis is refused
parity explain explain/ref explain/port -t offset --axis 0 --axis 1
