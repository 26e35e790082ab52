"""Backend benchmark (not a test): compile times, sim vs ONNX Runtime, modeled latency.

Everything compared is measured side by side in this one run on this machine:
  * compile time of ViM-tiny/small/base 224² for zcu102, including calibration with the
    default synthetic set (targets < 2 / 5 / 15 s), process wall time;
  * the bit-exact sim vs ONNX Runtime FP32 on the same ViM-tiny 224² file and input, per image
    in-process (vimq-run --repeat 3: mean per run with the bundle loaded; node models/ort_run.js
    --time 3: mean per run with the session created) and process wall time (median of 3), with
    the ratios sim / ORT (target: the sim not slower than ORT, per image in-process);
  * modeled latency of ViM-tiny 224² on zcu102 (the sim's cycle model): as compiled (modules
    overlapped through dependency tokens), serialized (--serialize: every instruction waits
    for the previous one, i.e. modules one after another as when a host sequences them), and
    the published ViM-Q design point (256 shift-add MACs/cycle = zcu102's 16x16 linear tile,
    8 SSM lanes instead of zcu102's 16, 350 MHz, serialized). The last is first-order: the
    serialized run's cycles plus the SSM busy cycles again minus pipeline fill (SSM busy is
    len·ch·⌈n/lanes⌉ + depth per instruction; d_state 16 needs 2 passes at 8 lanes instead
    of 1 at 16), because the sim library is built for zcu102's parameters.

Usage: bench/latency.py [BINDIR] [--sim-vs-ort]   (default build/bin; --sim-vs-ort: only that
       section, the quick check)
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import npyutil  # noqa: E402


def wall(cmd, runs=1):
    times, out = [], None
    for _ in range(runs):
        t0 = time.time()
        out = npyutil.run(cmd)
        times.append(time.time() - t0)
    return statistics.median(times), out


def profile_of(bindir, bundle, inputs, out):
    npyutil.run([os.path.join(bindir, "vimq-run"), bundle, "--output", out, "--profile"] +
                npyutil.input_args(inputs))
    with open(os.path.join(out, "profile.json")) as f:
        return json.load(f)


def sim_vs_ort(bindir, d, onnx_path, inputs, bundle):
    """Per image in-process and process wall of the sim and of ORT, measured back to back."""
    run_bin = os.path.join(bindir, "vimq-run")
    ort = ["node", os.path.join(ROOT, "models", "ort_run.js"), onnx_path]
    _, p = wall([run_bin, bundle, "--output", os.path.join(d, "sim"), "--repeat", "3"] +
                npyutil.input_args(inputs))
    sim_inproc = float(re.search(r"mean ([0-9.]+) s per run", p.stdout).group(1))
    _, p = wall(ort + npyutil.input_args(inputs) + ["--output", os.path.join(d, "ort"),
                                                    "--time", "3"])
    ort_inproc = float(re.search(r"mean ([0-9.]+) s", p.stdout).group(1))
    sim_s, _ = wall([run_bin, bundle, "--output", os.path.join(d, "sim")] +
                    npyutil.input_args(inputs), runs=3)
    ort_s, _ = wall(ort + npyutil.input_args(inputs) + ["--output", os.path.join(d, "ort")],
                    runs=3)
    print("                          per image (in-process)   process wall")
    print("sim (vimq-run, bit-exact) %10.3f s %21.2f s" % (sim_inproc, sim_s))
    print("ORT FP32 (node)           %10.3f s %21.2f s" % (ort_inproc, ort_s))
    print("ratio sim / ORT           %10.2f %23.2f   (target: <= 1)"
          % (sim_inproc / ort_inproc, sim_s / ort_s))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    only_sim = "--sim-vs-ort" in sys.argv[1:]
    bindir = args[0] if args else os.path.join(ROOT, "build", "bin")
    compile_bin = os.path.join(bindir, "vimq-compile")
    with tempfile.TemporaryDirectory(prefix="vimq-latency-") as d:
        if not only_sim:
            print("== compile time, 224², zcu102, incl. synthetic calibration "
                  "(targets 2/5/15 s) ==")
        for model, target_s in (("vim-tiny", 2), ("vim-small", 5), ("vim-base", 15)):
            if only_sim and model != "vim-tiny":
                continue
            onnx_path = os.path.join(d, model + ".onnx")
            npyutil.export(model, onnx_path, os.path.join(d, model + "-in"), ["--seed", "0"])
            secs, _ = wall([compile_bin, onnx_path, "-o", os.path.join(d, model + ".vimq"),
                            "--target", "zcu102", "--scheme", "vimq"])
            if not only_sim:
                print("%-10s %6.2f s  (target < %d s)" % (model, secs, target_s))

        print("== ViM-tiny 224²: bit-exact sim vs ONNX Runtime FP32, same file and input ==")
        onnx_path, inputs = os.path.join(d, "vim-tiny.onnx"), os.path.join(d, "vim-tiny-in")
        bundle = os.path.join(d, "vim-tiny.vimq")
        sim_vs_ort(bindir, d, onnx_path, inputs, bundle)
        if only_sim:
            return

        print("== modeled latency, ViM-tiny 224² ==")
        prof = profile_of(bindir, bundle, inputs, os.path.join(d, "p1"))
        serial = os.path.join(d, "serial.vimq")
        npyutil.run([compile_bin, onnx_path, "-o", serial, "--target", "zcu102", "--scheme",
                     "vimq", "--serialize"])
        sprof = profile_of(bindir, serial, inputs, os.path.join(d, "p2"))
        mhz = prof["clock_mhz"]
        ssm = next(u for u in sprof["units"] if u["unit"] == "ssm")
        depth_ssm = 12  # hw/targets/zcu102.json pipeline_depth_ssm
        paper_cycles = sprof["cycles"] + ssm["busy_cycles"] - depth_ssm * ssm["instructions"]
        print("zcu102, overlapped (as compiled)         %8.2f ms  (%d cycles at %d MHz)"
              % (prof["cycles"] / mhz / 1000, prof["cycles"], mhz))
        print("zcu102, serialized (modules in turn)     %8.2f ms" % (sprof["cycles"] / mhz / 1000))
        print("published ViM-Q point (256 MAC, 8 SSM lanes, 350 MHz, serialized) %8.2f ms"
              % (paper_cycles / 350 / 1000))
        print("speed-up of the overlap over the published point: %.2fx"
              % (paper_cycles / 350 / (prof["cycles"] / mhz)))


if __name__ == "__main__":
    main()
