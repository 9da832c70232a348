parity diff a b --domain dbfs
