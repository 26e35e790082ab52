"""Small helpers shared by the end-to-end tests, the demo and the benchmarks."""
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"


def run(cmd, **kw):
    """Runs a command; on failure raises with its stderr so the test log says why."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(cmd), p.stdout, p.stderr))
    return p


def export(model, out_onnx, inputs_dir, extra=()):
    run([PY, os.path.join(ROOT, "models", "export.py"), model, "-o", out_onnx,
         "--write-inputs", inputs_dir] + list(extra))


def input_args(inputs_dir):
    args = []
    for f in sorted(os.listdir(inputs_dir)):
        if f.endswith(".npy"):
            args += ["--input", "%s=%s" % (f[:-4], os.path.join(inputs_dir, f))]
    return args


def run_ref(bindir, onnx_path, inputs_dir, out_dir, extra=()):
    return run([os.path.join(bindir, "vimq-ref"), onnx_path] + input_args(inputs_dir) +
               ["--output", out_dir] + list(extra))


def run_ort(onnx_path, inputs_dir, out_dir, extra=()):
    return run(["node", os.path.join(ROOT, "models", "ort_run.js"), onnx_path] +
               input_args(inputs_dir) + ["--output", out_dir] + list(extra))


def load_outputs(out_dir):
    return {f[:-4]: np.load(os.path.join(out_dir, f)) for f in sorted(os.listdir(out_dir))
            if f.endswith(".npy")}


def rel_err(ours, ref):
    """max|ours - ref| / max|ref|: the figure the ladder's first rung bounds (DESIGN §7)."""
    ours = ours.astype(np.float64)
    ref = ref.astype(np.float64)
    return float(np.max(np.abs(ours - ref)) / max(np.max(np.abs(ref)), 1e-30))


def top5(logits):
    """Top-5 class indices per row of [B, C] logits (or the last token of [B, L, V])."""
    if logits.ndim == 3:
        logits = logits[:, -1, :]
    return np.argsort(-logits, axis=-1, kind="stable")[:, :5]
