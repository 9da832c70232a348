parity diff a b --format xml
