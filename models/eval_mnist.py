#!/usr/bin/python3
"""Accuracy of a MNIST ViM checkpoint: ONNX Runtime FP32 next to the quantized overlay (sim).

    python3 models/eval_mnist.py [--checkpoint models/fixtures/mnist-vim.pth] [--count 2000]
        [--batch 100] [--schemes vimq,fastmamba] [--target zcu102] [--bindir build/bin]
        [--work DIR] [--calib-batches 2] [--json FILE]

1. exports the checkpoint (models/export.py, architecture read from the checkpoint) to ONNX with
   a static batch B;
2. writes the first N test digits of mnist_data.py's fixed split, normalized as in training
   (mnist_data.normalize), as N/B batches of .npy, and K calibration batches drawn from the
   *training* digits (a seeded permutation, seed 0; --calib-batches 0: the compiler's
   synthetic N(0,1) set);
3. runs every batch through (a) ONNX Runtime FP32 (models/ort_run.js) and, per scheme,
   (b) `vimq-compile --scheme S --target T --calib ...` once, then `vimq-run --device sim` per
   batch (the first batch with --profile: its profile.json is kept in the work directory);
4. prints the accuracy of each, the agreement of their top-1 with FP32's, and the wall times.
The sim device is built for one target (zcu102 in the default build), so both schemes compile
for --target (FastMamba's paper board is the VC709; its scheme runs on the ZCU102 overlay too).
--json writes the figures (and the profile paths) for scripts/demo and tests/e2e/test_mnist.py.
Exit 1 on any failure, naming the step.
"""
import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import mnist_data  # noqa: E402
import npyutil  # noqa: E402

DEFAULT_CHECKPOINT = os.path.join(HERE, "fixtures", "mnist-vim.pth")
SCHEME_NAMES = {"vimq": "ViM-Q", "fastmamba": "FastMamba"}


class EvalError(Exception):
    pass


def default_bindir():
    return os.path.join(os.environ.get("VIMQ_BUILD_DIR", os.path.join(ROOT, "build")), "bin")


def export_args(checkpoint_path):
    """export.py's architecture options for a ViM checkpoint of no preset (read from its
    shapes), for 28x28 input."""
    import checkpoint  # torch: imported only here
    import export
    arch = export.infer_vim(checkpoint.read_state_dict(checkpoint_path))
    return ["--checkpoint", checkpoint_path, "--d-model", str(arch["d_model"]),
            "--depth", str(arch["depth"]), "--d-state", str(arch["d_state"]),
            "--expand", str(arch["expand"]), "--dt-rank", str(arch["dt_rank"]),
            "--patch", str(arch["patch"]), "--in-chans", str(arch["in_chans"]),
            "--classes", str(arch["num_classes"]), "--img", str(mnist_data.SIZE)]


def export_model(checkpoint_path, batch, out_onnx, quiet=False):
    """export.py in this process (torch is imported once); `quiet` drops its progress lines
    (errors still go to stderr)."""
    import export
    args = ["vim-tiny", "-o", out_onnx, "--batch", str(batch)] + export_args(checkpoint_path)
    with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
        status = export.main(args)
    if status != 0:
        raise EvalError("exporting %s failed (export.py %s)" % (checkpoint_path, " ".join(args)))


def calib_digits(n):
    """n training digits (a seeded permutation, seed 0), normalized: float32 [n, 1, 28, 28]."""
    train_x, _, _, _ = mnist_data.load()
    idx = np.random.default_rng(0).permutation(len(train_x))[:n]
    return mnist_data.normalize(train_x[idx])


def write_calib(directory, batches, batch):
    """`batches` batches of `batch` calibration digits (calib_digits), one .npy each."""
    x = calib_digits(batches * batch)
    os.makedirs(directory, exist_ok=True)
    for k in range(batches):
        np.save(os.path.join(directory, "calib%d.npy" % k), x[k * batch:(k + 1) * batch])


def predictions(out_dirs):
    return np.concatenate([np.load(os.path.join(d, "logits.npy")).argmax(-1) for d in out_dirs])


def evaluate(checkpoint_path, count, batch, schemes, target, bindir, work, calib_batches,
             quiet=False):
    """Returns the figures as a dict (see --json); `quiet`: no progress lines."""
    log = (lambda message: None) if quiet else print
    for tool in ("vimq-compile", "vimq-run"):
        if schemes and not os.path.isfile(os.path.join(bindir, tool)):
            raise EvalError("%s not found in %s (build first, or pass --bindir)" % (tool, bindir))
    res = {"checkpoint": checkpoint_path, "count": count, "batch": batch, "target": target}
    t = time.time()
    onnx_path = os.path.join(work, "mnist_vim.onnx")
    export_model(checkpoint_path, batch, onnx_path, quiet)
    batches = mnist_data.write_test(os.path.join(work, "test"), count, batch)
    labels = np.load(os.path.join(work, "test", "labels.npy"))
    calib = os.path.join(work, "calib")
    if calib_batches:
        write_calib(calib, calib_batches, batch)
    res["prepare_seconds"] = time.time() - t
    log("eval_mnist.py: exported %s (batch %d), %d test digits in %d batches (%.1f s)" %
        (os.path.basename(checkpoint_path), batch, count, len(batches), res["prepare_seconds"]))

    t = time.time()
    ort_dirs = []
    for k, d in enumerate(batches):
        out = os.path.join(work, "ort", "batch%d" % k)
        npyutil.run_ort(onnx_path, d, out)
        ort_dirs.append(out)
    fp32 = predictions(ort_dirs)
    res["fp32"] = {"accuracy": float((fp32 == labels).mean()), "seconds": time.time() - t}
    log("eval_mnist.py: ONNX Runtime FP32 done (%.1f s)" % res["fp32"]["seconds"])

    for scheme in schemes:
        bundle = os.path.join(work, "mnist_vim-%s.vimq" % scheme)
        t = time.time()
        npyutil.run([os.path.join(bindir, "vimq-compile"), onnx_path, "-o", bundle, "--target",
                     target, "--scheme", scheme] + (["--calib", calib] if calib_batches else []))
        t_compile = time.time() - t
        t = time.time()
        sim_dirs = []
        for k, d in enumerate(batches):
            out = os.path.join(work, "sim-%s" % scheme, "batch%d" % k)
            npyutil.run([os.path.join(bindir, "vimq-run"), bundle, "--device", "sim", "--output",
                         out] + (["--profile"] if k == 0 else []) + npyutil.input_args(d))
            sim_dirs.append(out)
        pred = predictions(sim_dirs)
        res[scheme] = {"accuracy": float((pred == labels).mean()),
                       "agree_fp32": float((pred == fp32).mean()),
                       "compile_seconds": t_compile, "run_seconds": time.time() - t,
                       "bundle": bundle,
                       "profile": os.path.join(sim_dirs[0], "profile.json")}
        log("eval_mnist.py: %s on the overlay (sim) done (compile %.1f s, run %.1f s)" %
            (SCHEME_NAMES.get(scheme, scheme), t_compile, res[scheme]["run_seconds"]))
    return res


def shown_path(path):
    """`path` relative to the repository when it is inside it."""
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    return path if rel.startswith("..") else rel


def print_table(res, schemes, out=sys.stdout):
    print("%d MNIST test digits (batches of %d), checkpoint %s:" %
          (res["count"], res["batch"], shown_path(res["checkpoint"])), file=out)
    print("  %-32s %9s %14s   %s" % ("", "accuracy", "top-1 = FP32", "wall time"), file=out)
    f = res["fp32"]
    print("  %-32s %8.2f%% %14s   %.1f s" % ("FP32 (ONNX Runtime)", 100 * f["accuracy"], "-",
                                            f["seconds"]), file=out)
    for s in schemes:
        r = res[s]
        print("  %-32s %8.2f%% %13.2f%%   %.1f s (compile %.1f s)"
              % ("%s, %s overlay (sim)" % (SCHEME_NAMES.get(s, s), res["target"]),
                 100 * r["accuracy"], 100 * r["agree_fp32"],
                 r["compile_seconds"] + r["run_seconds"], r["compile_seconds"]), file=out)


def main(argv=None):
    p = argparse.ArgumentParser(prog="eval_mnist.py", description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT)
    p.add_argument("--count", type=int, default=2000, help="test digits (a multiple of --batch)")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--schemes", default="vimq,fastmamba",
                   help="comma-separated: vimq, fastmamba (empty: FP32 only)")
    p.add_argument("--target", default="zcu102")
    p.add_argument("--bindir", default=default_bindir())
    p.add_argument("--work", help="keep the files here (default: a temporary directory)")
    p.add_argument("--calib-batches", type=int, default=2,
                   help="calibration batches of training digits (0: synthetic N(0,1))")
    p.add_argument("--json", help="write the figures to this file")
    args = p.parse_args(argv)
    schemes = [s for s in args.schemes.split(",") if s]
    bad = [s for s in schemes if s not in SCHEME_NAMES]
    if bad:
        p.error("unknown scheme %r (expected vimq, fastmamba)" % bad[0])
    if args.calib_batches < 0:
        p.error("--calib-batches must be >= 0")
    work = args.work or tempfile.mkdtemp(prefix="vimq-eval-mnist-")
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    try:
        res = evaluate(os.path.abspath(args.checkpoint), args.count, args.batch, schemes,
                       args.target, args.bindir, work, args.calib_batches)
        res["seconds"] = time.time() - t0
        print_table(res, schemes)
        print("total %.1f s" % res["seconds"])
        if args.json:
            with open(args.json, "w") as f:
                json.dump(res, f, indent=2)
    except (EvalError, mnist_data.MnistError, RuntimeError, OSError) as e:
        print("eval_mnist.py: error: %s" % e, file=sys.stderr)
        return 1
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
