"""Finding a stored stage with exactly the same tensor, so a copy is
recorded as an alias instead of being stored twice.

Identical means the same safetensors dtype, the same shape and the same
bytes. Stored stages are indexed by (dtype, shape, CRC-32 of the bytes); a
candidate with the same key is then compared byte for byte, against the
stored bytes read back (from the journal of a single-file trace, or the
stage file of a directory trace), so a CRC collision never makes an alias.
"""

import zlib

import numpy as np


def _bytes(raw):
    """raw (C-contiguous) as a flat uint8 view, scalars included."""
    return raw.reshape(-1).view(np.uint8)


class Contents:
    def __init__(self, load):
        """load(name) -> the stored raw array of stage name."""
        self._load = load
        self._index = {}

    @staticmethod
    def _key(dtype, raw):
        return dtype, tuple(raw.shape), zlib.crc32(memoryview(_bytes(raw)))

    def add(self, name, dtype, raw):
        self._index.setdefault(self._key(dtype, raw), []).append(name)

    def find(self, dtype, raw):
        """The stored stage holding exactly raw's bytes, or None."""
        for name in self._index.get(self._key(dtype, raw), ()):
            if np.array_equal(_bytes(self._load(name)), _bytes(raw)):
                return name
        return None
