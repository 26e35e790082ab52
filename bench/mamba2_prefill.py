#!/usr/bin/env python3
"""Mamba2-130M prefill benchmark (issue 10; not a test): compile time, the bit-exact sim vs ONNX
Runtime FP32 on the same file, and the modeled latency of the target next to the CPU time.

For each sequence length (default 256 and 1024), in this one run on this machine:
  * export Mamba2-130M (24 layers, d_model 768, d_state 128, headdim 64, vocab 50277, seeded
    weights) with models/export.py;
  * `vimq-compile --scheme fastmamba --target vc709` wall time (incl. synthetic calibration);
  * `vimq-run` (the bit-exact sim; mean per run in-process, --repeat) and ONNX Runtime FP32
    (node models/ort_run.js --time, mean per run in-process) on the same input;
  * the modeled latency of the bundle on its target (vimq-run --profile: the cycle model of the
    overlay's own code at the target's clock), and CPU (ORT) time / modeled latency.

What is measured and what is modeled: compile, sim and ORT times are wall-clock measurements on
this (shared, 2-core) machine; the VC709 latency is the simulator's cycle count, not a board
run. FastMamba's published 68.8x is against a Xeon 4210R (10 cores), with PyTorch; ours is
against ONNX Runtime on this machine's 2 cores, so the ratios are not the same comparison.

Usage: bench/mamba2_prefill.py [BINDIR] [--seq 256,1024] [--depth 24] [--scheme fastmamba]
                               [--target vc709]
"""
import argparse
import json
import os
import re
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import npyutil  # noqa: E402


def timed(cmd):
    t0 = time.perf_counter()
    p = npyutil.run(cmd)
    return time.perf_counter() - t0, p


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bindir", nargs="?", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--seq", default="256,1024")
    ap.add_argument("--depth", type=int, default=24)
    ap.add_argument("--scheme", default="fastmamba")
    ap.add_argument("--target", default="vc709")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    b = args.bindir
    rows = []
    with tempfile.TemporaryDirectory(prefix="vimq-m2bench-") as d:
        for seq in [int(s) for s in args.seq.split(",")]:
            onnx_path = os.path.join(d, "m2-%d.onnx" % seq)
            inputs = os.path.join(d, "in-%d" % seq)
            t_export = time.perf_counter()
            npyutil.export("mamba2-130m", onnx_path, inputs,
                           ["--seq", str(seq), "--depth", str(args.depth), "--seed", "0"])
            t_export = time.perf_counter() - t_export
            bundle = os.path.join(d, "m2-%d.vimq" % seq)
            t_compile, _ = timed([os.path.join(b, "vimq-compile"), onnx_path, "-o", bundle,
                                  "--scheme", args.scheme, "--target", args.target])
            _, p = timed([os.path.join(b, "vimq-run"), bundle, "--output",
                          os.path.join(d, "sim"), "--repeat", str(args.repeat)] +
                         npyutil.input_args(inputs))
            sim_s = float(re.search(r"mean ([0-9.]+) s per run", p.stdout).group(1))
            _, p = timed(["node", os.path.join(ROOT, "models", "ort_run.js"), onnx_path] +
                         npyutil.input_args(inputs) +
                         ["--output", os.path.join(d, "ort"), "--time", str(args.repeat)])
            ort_s = float(re.search(r"mean ([0-9.]+) s", p.stdout).group(1))
            prof_dir = os.path.join(d, "prof")
            npyutil.run([os.path.join(b, "vimq-run"), bundle, "--output", prof_dir,
                         "--profile"] + npyutil.input_args(inputs))
            with open(os.path.join(prof_dir, "profile.json")) as f:
                prof = json.load(f)
            modeled_ms = prof["cycles"] / prof["clock_mhz"] / 1000
            rows.append((seq, t_export, t_compile, os.path.getsize(bundle) / 1e6, sim_s, ort_s,
                         modeled_ms, prof["clock_mhz"]))
            os.remove(onnx_path)
            os.remove(bundle)
    print("Mamba2-130M prefill, %d layers, --scheme %s --target %s (batch 1)"
          % (args.depth, args.scheme, args.target))
    print("%6s %9s %10s %9s %9s %9s %8s %13s %11s" % (
        "seq", "export s", "compile s", "bundle MB", "sim s", "ORT s", "sim/ORT",
        "modeled ms", "ORT/modeled"))
    for seq, te, tc, mb, sim, ort, mod, mhz in rows:
        print("%6d %9.1f %10.1f %9.1f %9.2f %9.3f %8.1f %9.2f@%dMHz %10.1fx" % (
            seq, te, tc, mb, sim, ort, sim / ort, mod, mhz, ort * 1000 / mod))
    return 0


if __name__ == "__main__":
    sys.exit(main())
