#!/usr/bin/env python3
"""What each quantization technique buys on ViM (benchmark, not a test).

Exports ViM-tiny with outlier channels, runs the FP32 reference (vimq-ref) and the golden
models (vimq-ref --scheme vimq|fastmamba) with each technique switched off in turn, and prints
logit cosine / top-1 agreement against FP32 over the batch:

  vimq                 smoothing + APoT-4 per-block weights + per-token dynamic int8
  no smoothing         --no-smooth
  uniform INT4         --linear-weights=int4 (uniform symmetric levels [-7, 7] per block)
  static act. scales   --static-act-scales (one per-tensor absmax from calibration)
  fastmamba            Hadamard-rotated int8 weights (per channel) and activations (per token)
  naive W8A8           --linear-rotation=none
  SmoothQuant W8A8     --linear-rotation=smoothquant

Usage: bench/quant_ablation.py BUILD_DIR [--depth N] [--img S] [--batch B] [--outliers K]
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import npyutil  # noqa: E402

VARIANTS = [
    ("vimq (all techniques)", ["--scheme", "vimq"]),
    ("no smoothing", ["--scheme", "vimq", "--no-smooth"]),
    ("uniform INT4 weights", ["--scheme", "vimq", "--linear-weights=int4"]),
    ("static activation scales", ["--scheme", "vimq", "--static-act-scales"]),
    ("fastmamba (Hadamard W8A8)", ["--scheme", "fastmamba"]),
    ("fastmamba, naive W8A8", ["--scheme", "fastmamba", "--linear-rotation=none"]),
    ("fastmamba, SmoothQuant W8A8", ["--scheme", "fastmamba", "--linear-rotation=smoothquant"]),
]


def compare(fp32, q):
    a, b = fp32.astype(np.float64), q.astype(np.float64)
    cos = np.sum(a * b, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    top1 = np.mean(np.argmax(a, 1) == np.argmax(b, 1))
    top5 = np.mean([len(set(x) & set(y)) / 5 for x, y in zip(npyutil.top5(a), npyutil.top5(b))])
    return float(np.mean(cos)), float(np.min(cos)), float(top1), float(top5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--img", default="64")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--outliers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    bindir = os.path.join(os.path.abspath(args.build), "bin")
    with tempfile.TemporaryDirectory(prefix="vimq-ablation-") as d:
        onnx_path, inputs = os.path.join(d, "m.onnx"), os.path.join(d, "in")
        npyutil.export("vim-tiny", onnx_path, inputs,
                       ["--outliers", str(args.outliers), "--depth", str(args.depth), "--img",
                        args.img, "--batch", str(args.batch), "--seed", str(args.seed)])
        npyutil.run_ref(bindir, onnx_path, inputs, os.path.join(d, "fp32"))
        fp32 = npyutil.load_outputs(os.path.join(d, "fp32"))["logits"]
        print("ViM-tiny, %d layers, %s image, batch %d, %d outlier channels; against FP32:"
              % (args.depth, args.img, args.batch, args.outliers))
        print("%-30s %10s %10s %8s %8s %9s" % ("variant", "cos mean", "cos min", "top-1",
                                                "top-5", "time [s]"))
        for i, (label, extra) in enumerate(VARIANTS):
            out = os.path.join(d, "q%d" % i)
            t0 = time.perf_counter()
            npyutil.run_ref(bindir, onnx_path, inputs, out, extra)
            dt = time.perf_counter() - t0
            m, lo, t1, t5 = compare(fp32, npyutil.load_outputs(out)["logits"])
            print("%-30s %10.4f %10.4f %7.0f%% %7.0f%% %9.2f" % (label, m, lo, 100 * t1,
                                                               100 * t5, dt))
    return 0


if __name__ == "__main__":
    sys.exit(main())
