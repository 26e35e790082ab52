#!/usr/bin/env python3
"""Image files -> the `image` input of a ViM bundle: the preprocessing users apply at evaluation.

    python3 models/preprocess.py cat.jpg dog.png -o image.npy [--size 224 | --size 160x224]
        [--crop-pct 0.875] [--mean imagenet|none|R,G,B] [--std imagenet|none|R,G,B]
        [--channels 3|1]

Per image (JPEG, PNG, anything Pillow decodes), as timm's eval transform for hustvl/Vim does:
  1. convert to RGB (or to grey for --channels 1);
  2. resize so that the shorter side is round(size / crop_pct), bicubic, keeping the aspect
     ratio (for a non-square HxW target, each side is scaled to round(side / crop_pct) from the
     scale that fits both);
  3. center crop to H x W;
  4. scale to [0, 1] and normalize per channel: (x - mean) / std, ImageNet's mean
     (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225) by default.
The images are stacked into one float32 [B, C, H, W] array, in the order given, and written to
-o as .npy; then `vimq-run model.vimq --input image=image.npy ...`. The batch and the size must
match what the model was exported with (vimq-run names the expected shape otherwise).
"""
import argparse
import os
import sys

import numpy as np

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class PreprocessError(Exception):
    pass


def parse_size(text):
    try:
        parts = [int(p) for p in text.lower().split("x")]
    except ValueError:
        raise argparse.ArgumentTypeError("expected SIZE or HxW, got %r" % text)
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or min(parts) < 1:
        raise argparse.ArgumentTypeError("expected SIZE or HxW with positive sizes, got %r" % text)
    return tuple(parts)


def parse_stats(text, default, channels):
    if text == "imagenet":
        vals = default if channels == 3 else (sum(default) / 3,)
    elif text == "none":
        vals = None
    else:
        try:
            vals = tuple(float(v) for v in text.split(","))
        except ValueError:
            raise PreprocessError("expected imagenet, none or %d comma-separated numbers, got %r"
                                  % (channels, text))
        if len(vals) != channels:
            raise PreprocessError("expected %d values, got %d in %r" % (channels, len(vals), text))
    return vals


def load(path, size, crop_pct, channels):
    """One image file -> float32 [C, H, W] in [0, 1], resized and center-cropped."""
    from PIL import Image, UnidentifiedImageError  # python3-pil (scripts/setup)
    try:
        with Image.open(path) as im:
            im = im.convert("RGB" if channels == 3 else "L")
    except FileNotFoundError:
        raise PreprocessError("%s: no such file" % path)
    except (UnidentifiedImageError, OSError) as e:
        raise PreprocessError("%s: cannot decode as an image: %s" % (path, e))
    h, w = size
    # Scale so that the crop (h, w) is crop_pct of the resized image along its tighter side.
    scale = max(h / crop_pct / im.height, w / crop_pct / im.width)
    rw, rh = max(w, round(im.width * scale)), max(h, round(im.height * scale))
    im = im.resize((rw, rh), Image.BICUBIC)
    left, top = (rw - w) // 2, (rh - h) // 2
    im = im.crop((left, top, left + w, top + h))
    a = np.asarray(im, dtype=np.float32) / 255.0
    if a.ndim == 2:
        a = a[:, :, None]
    return a.transpose(2, 0, 1)


def preprocess(paths, size=(224, 224), crop_pct=0.875, mean="imagenet", std="imagenet",
               channels=3):
    if not paths:
        raise PreprocessError("no image given")
    if not 0 < crop_pct <= 1:
        raise PreprocessError("--crop-pct must be in (0, 1], got %g" % crop_pct)
    m = parse_stats(mean, IMAGENET_MEAN, channels)
    s = parse_stats(std, IMAGENET_STD, channels)
    if s is not None and min(s) <= 0:
        raise PreprocessError("--std values must be positive")
    batch = np.stack([load(p, size, crop_pct, channels) for p in paths])
    if m is not None:
        batch -= np.asarray(m, np.float32)[None, :, None, None]
    if s is not None:
        batch /= np.asarray(s, np.float32)[None, :, None, None]
    return batch.astype(np.float32)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("images", nargs="+", help="image files (one batch element each)")
    p.add_argument("-o", "--output", required=True, help="the .npy file to write")
    p.add_argument("--size", type=parse_size, default=(224, 224), help="SIZE or HxW (224)")
    p.add_argument("--crop-pct", type=float, default=0.875)
    p.add_argument("--mean", default="imagenet")
    p.add_argument("--std", default="imagenet")
    p.add_argument("--channels", type=int, choices=(1, 3), default=3)
    args = p.parse_args(argv)
    try:
        batch = preprocess(args.images, args.size, args.crop_pct, args.mean, args.std,
                           args.channels)
    except PreprocessError as e:
        print("preprocess.py: error: %s" % e, file=sys.stderr)
        return 1
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:  # no half-written output on failure
        np.save(f, batch)
    os.replace(tmp, args.output)
    print("preprocess.py: wrote %s %s" % (args.output, list(batch.shape)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
