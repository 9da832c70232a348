parity diff a b --rtol=abc
