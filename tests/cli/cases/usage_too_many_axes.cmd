parity diff a b --axis 0 --axis 1 --axis 2 --axis 0 --axis 1
