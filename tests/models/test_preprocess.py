"""models/preprocess.py: the eval transform (resize, center crop, normalize) of image files."""
import os
import tempfile
import unittest

import numpy as np
from PIL import Image

import helpers
import preprocess


class PreprocessTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def image(self, name, array, mode="RGB"):
        path = os.path.join(self.dir, name)
        Image.fromarray(array, mode).save(path)
        return path

    def test_constant_image_normalizes_exactly(self):
        # 255 everywhere: (1 - mean) / std per channel, whatever the resize does.
        png = self.image("white.png", np.full((300, 400, 3), 255, np.uint8))
        out = preprocess.preprocess([png], size=(224, 224))
        self.assertEqual(out.shape, (1, 3, 224, 224))
        self.assertEqual(out.dtype, np.float32)
        want = (1 - np.array(preprocess.IMAGENET_MEAN)) / np.array(preprocess.IMAGENET_STD)
        # float32 arithmetic of one subtraction and one division: 1e-6 relative is ample.
        np.testing.assert_allclose(out[0, :, 100, 100], want, rtol=1e-6)

    def test_center_crop_keeps_the_center(self):
        # A 512x512 image whose left half is black, right half white: after resizing to 256
        # and cropping 224 the center column boundary stays at the middle.
        a = np.zeros((512, 512, 3), np.uint8)
        a[:, 256:] = 255
        jpg = self.image("half.jpg", a)
        out = preprocess.preprocess([jpg], size=(224, 224), mean="none", std="none")
        self.assertLess(out[0, 0, 112, 100], 0.05)
        self.assertGreater(out[0, 0, 112, 124], 0.95)

    def test_batch_grey_and_non_square(self):
        a = self.image("a.png", np.full((50, 80), 128, np.uint8), "L")
        b = self.image("b.png", np.full((90, 60, 3), 64, np.uint8))
        out = preprocess.preprocess([a, b], size=(32, 48), channels=1, mean="none", std="none")
        self.assertEqual(out.shape, (2, 1, 32, 48))
        np.testing.assert_allclose(out[0], 128 / 255, rtol=1e-6)
        # RGB 64 to grey (ITU-R 601-2 luma of equal channels) is 64.
        np.testing.assert_allclose(out[1], 64 / 255, rtol=1e-6)

    def test_cli_and_errors(self):
        png = self.image("x.png", np.full((40, 40, 3), 10, np.uint8))
        out = os.path.join(self.dir, "x.npy")
        code, _, err = helpers.run([helpers.PY, os.path.join(helpers.MODELS, "preprocess.py"),
                                    png, "-o", out, "--size", "32"])
        self.assertEqual(code, 0, err)
        self.assertEqual(np.load(out).shape, (1, 3, 32, 32))
        bad = os.path.join(self.dir, "bad.png")
        with open(bad, "wb") as f:
            f.write(b"not an image")
        out2 = os.path.join(self.dir, "y.npy")
        code, _, err = helpers.run([helpers.PY, os.path.join(helpers.MODELS, "preprocess.py"),
                                    bad, "-o", out2])
        self.assertEqual(code, 1)
        self.assertIn("bad.png: cannot decode as an image", err)
        self.assertFalse(os.path.exists(out2))
        code, _, err = helpers.run([helpers.PY, os.path.join(helpers.MODELS, "preprocess.py"),
                                    png, "-o", out2, "--mean", "1,2"])
        self.assertEqual(code, 1)
        self.assertIn("expected 3 values", err)


if __name__ == "__main__":
    unittest.main()
