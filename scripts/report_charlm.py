#!/usr/bin/python3
"""README command 1's Mamba2 section: the trained character LM on the overlay.

Exports models/fixtures/charlm.pt (a Mamba2 LM trained here on Debian's license texts,
docs/models.md) with batch 8 and sequence 128, then measures held-out perplexity with ONNX
Runtime FP32 and with the overlay (the bit-exact sim) under both schemes — FastMamba for the
VC709 target, ViM-Q for ZCU102 — through models/perplexity.py, and prints a stretch of held-out
text with the next character each of them predicts at every position.

Usage: report_charlm.py BINDIR OUTDIR
"""
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "models"))
import charlm  # noqa: E402

PY = "/usr/bin/python3"
RUNNERS = [("ort", "FP32 (ONNX Runtime)"), ("sim:fastmamba:vc709", "fastmamba, vc709 sim"),
           ("sim:vimq:zcu102", "vimq, zcu102 sim")]


def main():
    bindir, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    onnx_path = os.path.join(out, "charlm.onnx")
    subprocess.run([PY, os.path.join(ROOT, "models", "export.py"), "mamba2-charlm", "--checkpoint",
                    os.path.join(ROOT, "models", "fixtures", "charlm.pt"), "--seq", "128",
                    "--batch", "8", "-o", onnx_path], check=True, stdout=subprocess.DEVNULL)
    work = os.path.join(out, "ppl")
    cmd = [PY, os.path.join(ROOT, "models", "perplexity.py"), onnx_path, "--bin", bindir,
           "--work", work, "--json", os.path.join(out, "ppl.json")]
    for spec, _ in RUNNERS:
        cmd += ["--runner", spec]
    subprocess.run(cmd, check=True)

    # Next-character predictions on a held-out window (teacher forcing: each position
    # sees the true text before it), FP32 and the overlay side by side.
    first = os.path.join(work, "inputs", "input_ids_005.npy")  # prose, past the header
    ids = np.load(first)[0]
    preds = []
    for k, (spec, _) in enumerate(RUNNERS):
        pred_dir = os.path.join(out, "pred-%d" % k)
        if spec == "ort":
            cmd = ["node", os.path.join(ROOT, "models", "ort_run.js"), onnx_path]
        else:  # the bundle perplexity.py compiled: bundle-<scheme>-<target>/model.vimq
            _, scheme, target = spec.split(":")
            cmd = [os.path.join(bindir, "vimq-run"),
                   os.path.join(work, "bundle-%s-%s" % (scheme, target), "model.vimq")]
        subprocess.run(cmd + ["--input", "input_ids=" + first, "--output", pred_dir], check=True,
                       stdout=subprocess.DEVNULL)
        preds.append(np.load(os.path.join(pred_dir, "logits.npy"))[0].argmax(-1))
    lo, hi = 30, 100  # a stretch inside the window, one line wide
    def show(label, seq):
        text = charlm.decode(seq).replace("\n", "⏎")
        print("%-22s %s" % (label, text))
    print("\nnext-character predictions (held-out text, each position given the text before it):")
    show("text", ids[lo + 1:hi + 1])
    for (_, label), p in zip(RUNNERS, preds):
        agree = float(np.mean(p[:-1] == preds[0][:-1]))
        show(label, p[lo:hi])
        if label != RUNNERS[0][1]:
            print("%-22s %.1f%% of the window's predictions equal FP32's" % ("", 100 * agree))
    return 0


if __name__ == "__main__":
    sys.exit(main())
