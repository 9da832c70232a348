# explain prints no side names: --labels is refused
parity explain explain/ref explain/port -t offset --labels Python,Swift
