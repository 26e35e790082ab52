"""Shared helpers of the models/ tests: paths, running the export CLI and the ORT runner."""
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "models")
PY = "/usr/bin/python3"
sys.path.insert(0, MODELS)


def run(cmd):
    """Runs `cmd`; returns (exit code, stdout, stderr) without raising."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def export(args):
    return run([PY, os.path.join(MODELS, "export.py")] + list(args))


def ort_run(model, inputs, out_dir, extra=()):
    """inputs: {name: path}."""
    cmd = ["node", os.path.join(MODELS, "ort_run.js"), model]
    for name, path in sorted(inputs.items()):
        cmd += ["--input", "%s=%s" % (name, path)]
    return run(cmd + ["--output", out_dir] + list(extra))


def rel_err(ours, ref):
    """max|ours - ref| / max|ref|, the figure DESIGN §7 bounds."""
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    return float(np.max(np.abs(ours - ref)) / max(np.max(np.abs(ref)), 1e-30))
