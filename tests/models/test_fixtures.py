"""The committed fixtures in models/fixtures are what regenerate.sh produces today: a change to
the models or the export that alters them must come with regenerated fixtures."""
import os
import subprocess
import tempfile
import unittest

import numpy as np

import helpers

FIXTURES = os.path.join(helpers.MODELS, "fixtures")
NAMES = ("vim-small", "mamba2-small")


class FixtureTest(unittest.TestCase):
    def test_fixtures_are_up_to_date(self):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([os.path.join(FIXTURES, "regenerate.sh"), d], check=True,
                           stdout=subprocess.DEVNULL)
            for name in NAMES:
                for rel in ("model.onnx",) + tuple(
                        os.path.join("inputs", f)
                        for f in os.listdir(os.path.join(FIXTURES, name, "inputs"))):
                    with open(os.path.join(FIXTURES, name, rel), "rb") as a, \
                            open(os.path.join(d, name, rel), "rb") as b:
                        self.assertTrue(a.read() == b.read(),
                                        "%s/%s is stale: run models/fixtures/regenerate.sh" %
                                        (name, rel))
                # Same file, same ORT build: only the thread count can change the GEMM blocking
                # (summation order), a few ulp; 1e-6 relative bounds that.
                self.assertLessEqual(helpers.rel_err(
                    np.load(os.path.join(d, name, "ort", "logits.npy")),
                    np.load(os.path.join(FIXTURES, name, "ort", "logits.npy"))), 1e-6)


if __name__ == "__main__":
    unittest.main()
