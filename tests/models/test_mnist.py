"""MNIST pieces of models/: the fixed split (mnist_data.py), the differentiable scans the
training needs, train_mnist_vim.py end to end on a few digits (deterministic, exportable with
the documented command), and the committed checkpoint's architecture (docs/models.md)."""
import hashlib
import os
import tempfile
import unittest

import numpy as np
import torch

import helpers
import checkpoint
import export
import mnist_data
import vimq_ops

FIXTURE = os.path.join(helpers.MODELS, "fixtures", "mnist-vim.pth")
# docs/models.md "MNIST": the fixture's architecture and export command.
FIXTURE_ARGS = ["--d-model", "64", "--depth", "2", "--d-state", "8", "--img", "28",
                "--in-chans", "1", "--patch", "7", "--classes", "10"]


class DataTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = mnist_data.load()

    def test_split(self):
        train_x, train_y, test_x, test_y = self.data
        self.assertEqual(train_x.shape, (8000, 1, 28, 28))
        self.assertEqual(test_x.shape, (2000, 1, 28, 28))
        self.assertEqual((train_x.dtype, test_x.dtype), (np.float32, np.float32))
        self.assertEqual((train_y.dtype, test_y.dtype), (np.int64, np.int64))
        for x in (train_x, test_x):
            self.assertGreaterEqual(float(x.min()), 0.0)
            self.assertLessEqual(float(x.max()), 1.0)
        # round-robin test labels: any prefix of 10k digits holds k of each
        np.testing.assert_array_equal(test_y[:20], list(range(10)) * 2)
        self.assertEqual(np.bincount(test_y).tolist(), [200] * 10)
        self.assertEqual(len(train_y), 8000)
        self.assertTrue(np.all(np.diff(train_y) >= 0))  # file order: digit 0's, then 1's, ...

    def test_test_digits_are_the_last_of_each_file(self):
        _, _, test_x, _ = self.data
        raw = mnist_data._read_digit(mnist_data.PACKAGE, 3)
        np.testing.assert_array_equal(test_x[3], raw[-200])
        np.testing.assert_array_equal(test_x[13], raw[-199])
        np.testing.assert_array_equal(test_x[1993], raw[-1])

    def test_normalize(self):
        self.assertAlmostEqual(float(mnist_data.normalize(0.1307)), 0.0, places=6)
        self.assertAlmostEqual(float(mnist_data.normalize(1.0)), (1 - 0.1307) / 0.3081, places=5)
        self.assertEqual(mnist_data.normalize(np.zeros((2, 3))).dtype, np.float32)

    def test_write_test(self):
        with tempfile.TemporaryDirectory() as d:
            dirs = mnist_data.write_test(d, 30, 10)
            self.assertEqual(len(dirs), 3)
            x = np.load(os.path.join(dirs[1], "image.npy"))
            self.assertEqual((x.shape, x.dtype), ((10, 1, 28, 28), np.float32))
            np.testing.assert_array_equal(x, mnist_data.normalize(self.data[2][10:20]))
            np.testing.assert_array_equal(np.load(os.path.join(d, "labels.npy")),
                                          self.data[3][:30])
            with self.assertRaisesRegex(mnist_data.MnistError, "multiple"):
                mnist_data.write_test(d, 30, 7)

    def test_missing_package(self):
        with self.assertRaisesRegex(mnist_data.MnistError, "scripts/setup installs it"):
            mnist_data.load("/nonexistent")


class DifferentiableScanTest(unittest.TestCase):
    def test_selective_scan_has_gradients(self):
        g = torch.Generator().manual_seed(0)
        args = [torch.randn(2, 5, 6, generator=g), torch.rand(2, 5, 6, generator=g),
                -torch.rand(6, 3, generator=g), torch.randn(2, 5, 3, generator=g),
                torch.randn(2, 5, 3, generator=g), torch.randn(6, generator=g)]
        with torch.no_grad():
            want = vimq_ops.selective_scan(*args)
        args = [a.clone().requires_grad_() for a in args]
        y = vimq_ops.selective_scan(*args)
        torch.testing.assert_close(y, want, rtol=0, atol=0)
        y.sum().backward()
        for a in args:
            self.assertIsNotNone(a.grad)
            self.assertGreater(float(a.grad.abs().sum()), 0)

    def test_ssd_scan_has_gradients(self):
        g = torch.Generator().manual_seed(1)
        x = torch.randn(1, 4, 2, 3, generator=g, requires_grad=True)
        y = vimq_ops.ssd_scan(x, torch.rand(1, 4, 2, generator=g), -torch.rand(2, generator=g),
                              torch.randn(1, 4, 1, 5, generator=g),
                              torch.randn(1, 4, 1, 5, generator=g), torch.randn(2, generator=g))
        y.sum().backward()
        self.assertGreater(float(x.grad.abs().sum()), 0)


class TrainTest(unittest.TestCase):
    def test_train_is_deterministic_and_exports(self):
        with tempfile.TemporaryDirectory() as d:
            digests = []
            for name in ("a.pth", "b.pth"):
                code, out, err = helpers.run([helpers.PY, os.path.join(
                    helpers.MODELS, "train_mnist_vim.py"), "-o", os.path.join(d, name),
                    "--train-count", "64", "--epochs", "1", "--batch", "32"])
                self.assertEqual(code, 0, err)
                self.assertIn("test accuracy", out)
                with open(os.path.join(d, name), "rb") as f:
                    digests.append(hashlib.sha256(f.read()).hexdigest())
            self.assertEqual(digests[0], digests[1])
            self.assertEqual(set(checkpoint.read_state_dict(os.path.join(d, "a.pth"))),
                             set(checkpoint.read_state_dict(FIXTURE)))
            code, _, err = helpers.export(["vim-tiny", "--checkpoint", os.path.join(d, "a.pth"),
                                           "-o", os.path.join(d, "m.onnx")] + FIXTURE_ARGS)
            self.assertEqual(code, 0, err)


class FixtureTest(unittest.TestCase):
    def test_fixture_architecture(self):
        state = checkpoint.read_state_dict(FIXTURE)
        arch = export.infer_vim(state)
        self.assertEqual(arch, dict(d_model=64, in_chans=1, patch=7, depth=2, d_state=8,
                                    expand=2, dt_rank=4, num_classes=10))
        self.assertLess(os.path.getsize(FIXTURE), 1 << 20)


if __name__ == "__main__":
    unittest.main()
