"""ViM-Q fidelity against FP32 (issue 4): the golden model of the quantized graph
(`vimq-ref --scheme vimq`) against the FP32 reference interpreter (`vimq-ref`, itself checked
against ONNX Runtime by test_ort_agreement.py) on ViM-tiny (d_model 192) with 4 outlier
channels (20-100x) in every linear input, 8 layers (reduced from 24 for CI time), 64x64 images,
a batch of 8 seeded inputs, default synthetic calibration (4 batches).

Thresholds, per image over the 1000 logits and over the batch:
  * mean logit cosine >= 0.97 and every image >= 0.95 (measured: mean 0.988, min 0.987);
  * top-1 agreement >= 6 of 8 (measured 8/8). Random weights give nearly flat logits (the
    top-2 gap is a few percent of the logit range), so top-1 is a harsher check than it would
    be on a trained model; 6/8 keeps margin for that.
They must catch a broken quantizer: the same model without smoothing (the outlier channels
then take the whole int8 range of every token) measures mean 0.88 and top-1 2/8, and the test
checks that this negative control FAILS the thresholds, so they are known to have teeth.

Usage: test_fidelity.py BINDIR
"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import npyutil  # noqa: E402

MODEL = ["vim-tiny", "--outliers", "4", "--depth", "8", "--img", "64", "--batch", "8",
         "--seed", "3"]
MEAN_COS, MIN_COS, MIN_TOP1 = 0.97, 0.95, 6


def fidelity(fp32, quant):
    a = fp32.astype(np.float64)
    b = quant.astype(np.float64)
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    top1 = int(np.sum(np.argmax(a, axis=1) == np.argmax(b, axis=1)))
    return float(np.mean(cos)), float(np.min(cos)), top1


def passes(mean_cos, min_cos, top1):
    return mean_cos >= MEAN_COS and min_cos >= MIN_COS and top1 >= MIN_TOP1


def main():
    bindir = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="vimq-fidelity-") as d:
        onnx_path = os.path.join(d, "model.onnx")
        inputs = os.path.join(d, "inputs")
        npyutil.export(MODEL[0], onnx_path, inputs, MODEL[1:])
        npyutil.run_ref(bindir, onnx_path, inputs, os.path.join(d, "fp32"))
        fp32 = npyutil.load_outputs(os.path.join(d, "fp32"))["logits"]
        results = {}
        for label, extra in (("vimq", []), ("vimq --no-smooth (negative control)",
                                            ["--no-smooth"])):
            out = os.path.join(d, "q%d" % len(results))
            npyutil.run_ref(bindir, onnx_path, inputs, out, ["--scheme", "vimq"] + extra)
            q = npyutil.load_outputs(out)["logits"]
            results[label] = fidelity(fp32, q)
            print("%-38s logit cosine mean %.4f min %.4f, top-1 agreement %d/%d"
                  % ((label,) + results[label] + (len(fp32),)))
        ok = True
        if not passes(*results["vimq"]):
            print("FAIL: ViM-Q below the thresholds (mean cosine >= %.2f, min >= %.2f, "
                  "top-1 >= %d)" % (MEAN_COS, MIN_COS, MIN_TOP1))
            ok = False
        if passes(*results["vimq --no-smooth (negative control)"]):
            print("FAIL: the thresholds do not catch the unsmoothed quantizer")
            ok = False
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
