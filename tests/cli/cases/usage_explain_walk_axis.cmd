# without -t, --axis is for the fits of the explained stages, not for the walk's
# verdicts: an axis a stage does not have is named by explain
parity explain explain/ref explain/port --axis 5
