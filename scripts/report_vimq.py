"""README command 1's report: ViM-Q on the overlay (sim) next to ONNX Runtime FP32.

Compiles the exported model for the target, runs it on the sim device with the profile, runs
ONNX Runtime FP32 on the same file and inputs, and prints the top-5 of both, their agreement,
the modeled latency at the target clock and the per-module utilization (busy / stalls as a
share of all cycles, from the sim's cycle model).

Usage: report_vimq.py BINDIR OUTDIR [TARGET]
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "e2e"))
import npyutil  # noqa: E402


def main():
    bindir, out = sys.argv[1], sys.argv[2]
    target = sys.argv[3] if len(sys.argv) > 3 else "zcu102"
    onnx_path = os.path.join(out, "vim_tiny.onnx")
    inputs = os.path.join(out, "inputs")
    bundle = os.path.join(out, "vim_tiny.vimq")
    t0 = time.time()
    npyutil.run([os.path.join(bindir, "vimq-compile"), onnx_path, "-o", bundle, "--target",
                 target, "--scheme", "vimq"])
    t1 = time.time()
    sim_dir = os.path.join(out, "sim")
    npyutil.run([os.path.join(bindir, "vimq-run"), bundle, "--device", "sim", "--output",
                 sim_dir, "--profile"] + npyutil.input_args(inputs))
    t2 = time.time()
    npyutil.run_ort(onnx_path, inputs, os.path.join(out, "ort"))
    t3 = time.time()
    sim = npyutil.load_outputs(sim_dir)
    ort = npyutil.load_outputs(os.path.join(out, "ort"))
    print("compile %.2f s (incl. calibration), sim run %.2f s, ORT FP32 %.2f s (process wall "
          "times)" % (t1 - t0, t2 - t1, t3 - t2))
    for name in sorted(ort):
        a, b = sim[name], ort[name]
        ta, tb = npyutil.top5(a), npyutil.top5(b)
        for i in range(ta.shape[0]):
            print("image %d  overlay (ViM-Q) top-5: %s" % (i, " ".join("%4d" % c for c in ta[i])))
            print("image %d  ORT FP32        top-5: %s" % (i, " ".join("%4d" % c for c in tb[i])))
            print("image %d  top-1 %s, top-5 overlap %d/5" %
                  (i, "agree" if ta[i, 0] == tb[i, 0] else "DIFFER",
                   len(set(ta[i]) & set(tb[i]))))
    print("(seeded random weights give nearly flat logits, so top-1 is fragile here; the "
          "fidelity thresholds are in tests/e2e/test_fidelity.py)")
    with open(os.path.join(sim_dir, "profile.json")) as f:
        prof = json.load(f)
    cycles = prof["cycles"]
    print("modeled latency on %s: %.2f ms (%d cycles at %d MHz)"
          % (target, prof["latency_us"] / 1000.0, cycles, prof["clock_mhz"]))
    # busy + the four waits = 100% of the cycles for every module (the cycle model's invariant)
    print("%-8s %7s %7s %9s %9s %9s %9s" % ("module", "insns", "busy", "wait-tok", "wait-cmd",
                                             "wait-full", "wait-ddr"))
    for u in prof["units"]:
        if u["unit"] == "fetch":
            continue
        print("%-8s %7d %6.1f%% %8.1f%% %8.1f%% %8.1f%% %8.1f%%"
              % (u["unit"], u["instructions"], 100.0 * u["busy_cycles"] / cycles,
                 100.0 * u["stall_token_cycles"] / cycles, 100.0 * u["stall_cmd_cycles"] / cycles,
                 100.0 * u["stall_full_cycles"] / cycles, 100.0 * u["stall_ddr_cycles"] / cycles))


if __name__ == "__main__":
    main()
