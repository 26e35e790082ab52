"""DESIGN §7 rung 4 — a trained model on real data (issue 13): the committed MNIST ViM
(models/fixtures/mnist-vim.pth, docs/models.md "MNIST") on the first 500 test digits of
models/mnist_data.py's fixed split (50 of each digit), through ONNX Runtime FP32 and through the
overlay (`vimq-compile --scheme vimq --target zcu102`, calibrated on 200 training digits, then
`vimq-run --device sim`), via models/eval_mnist.py.

Thresholds (measured on these 500 digits: FP32 95.0%, ViM-Q on the sim 94.8%, top-1 agreement
99.4%; on all 2,000 test digits 95.30% / 95.15% / 99.20%):
  * FP32 accuracy >= 90%: the fixture really is a trained classifier (chance is 10%; a broken
    export, a wrong normalization or a wrong split drops far below it), with 5 points of margin
    for another CPU's float rounding in ORT;
  * overlay accuracy >= FP32 accuracy - 2 points (10 digits of 500): the quantization costs
    0.2 points here, and 2 points leaves room for the few borderline digits that may flip when
    the quantizer changes. This small model is robust to the quantizer's ablations (golden
    model, same digits: no smoothing 94.4%, uniform int4 weights 94.4%, static activation
    scales 94.8%), so this bound catches gross errors (a wrong scale, layout or op), not
    subtle ones: those are caught bit for bit below and by test_sim_golden.py /
    test_fidelity.py.
Also: the sim's logits for the first batch equal the golden model's (`vimq-ref --scheme vimq`,
same calibration) bit for bit, so the accuracy measured is the golden model's.

Usage: test_mnist.py BINDIR
"""
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "models"))
import eval_mnist  # noqa: E402
import npyutil  # noqa: E402

COUNT, BATCH = 500, 100
MIN_FP32 = 0.90
MAX_DROP = 0.02


def main():
    bindir = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="vimq-mnist-") as d:
        res = eval_mnist.evaluate(eval_mnist.DEFAULT_CHECKPOINT, COUNT, BATCH, ["vimq"],
                                  "zcu102", bindir, d, calib_batches=2)
        eval_mnist.print_table(res, ["vimq"])
        fp32, q = res["fp32"]["accuracy"], res["vimq"]["accuracy"]
        ok = True
        if fp32 < MIN_FP32:
            print("FAIL: FP32 accuracy %.2f%% < %.0f%%" % (100 * fp32, 100 * MIN_FP32))
            ok = False
        if q < fp32 - MAX_DROP:
            print("FAIL: overlay accuracy %.2f%% < FP32 %.2f%% - %.0f points"
                  % (100 * q, 100 * fp32, 100 * MAX_DROP))
            ok = False
        golden = os.path.join(d, "golden")
        npyutil.run_ref(bindir, os.path.join(d, "mnist_vim.onnx"),
                        os.path.join(d, "test", "batch0"), golden,
                        ["--scheme", "vimq", "--calib", os.path.join(d, "calib")])
        sim = np.load(os.path.join(d, "sim-vimq", "batch0", "logits.npy"))
        ref = np.load(os.path.join(golden, "logits.npy"))
        same = sim.shape == ref.shape and np.array_equal(sim, ref)
        print("sim vs golden model, batch 0: %s" % ("bit-exact" if same else "DIFFERENT"))
        ok = ok and same
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
