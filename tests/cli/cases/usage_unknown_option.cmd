parity diff a b --bogus
