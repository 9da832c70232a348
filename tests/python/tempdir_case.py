"""A TestCase base for the tracer tests: a fresh temporary directory per
test, and an environment without PARITY_TRACE / PARITY_INJECT, so a variable
set by whoever runs the tests cannot turn tracing or injection on."""
import os
import tempfile
import unittest
from unittest import mock


class TempDir(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name
        env = {k: v for k, v in os.environ.items()
               if k not in ("PARITY_TRACE", "PARITY_INJECT")}
        self._env = mock.patch.dict(os.environ, env, clear=True)
        self._env.start()

    def tearDown(self):
        self._env.stop()
        self._tmp.cleanup()

    def p(self, name):
        return os.path.join(self.dir, name)
