"""Rung 1 of the verification ladder (DESIGN §7): vimq-ref (our FP32 interpreter over the lifted
IR) agrees with ONNX Runtime on the very same exported file.

Bound: max|ours - ort| / max|ort| <= 1e-4. Both sides compute in float32 but in different orders
(ORT's MLAS GEMMs block K and use FMA; our kernels sum differently; the scans run as a Scan loop
in ORT): with K up to 1536 and 24 residual layers the observed error is ~1e-6..1e-5, so 1e-4
leaves margin without hiding a real bug (a wrong op is off by O(1)).

Usage: test_ort_agreement.py BINDIR CASE   (CASE names one entry of CASES)
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import npyutil  # noqa: E402

CASES = {
    # name: export arguments
    "vim-tiny-224": ["vim-tiny", "--img", "224", "--seed", "1"],
    # odd dimensions everywhere, non-square image, batch 2, patch 8
    "vim-odd": ["vim-tiny", "--d-model", "72", "--depth", "3", "--d-state", "5", "--patch", "8",
                "--img", "40x56", "--batch", "2", "--classes", "37", "--seed", "2"],
    "vim-outliers": ["vim-tiny", "--depth", "4", "--img", "64x96", "--outliers", "4", "--seed", "3"],
    "mamba2-small": ["mamba2-130m", "--d-model", "96", "--depth", "2", "--d-state", "16",
                     "--headdim", "16", "--vocab", "1000", "--seq", "24", "--batch", "2", "--seed", "4"],
    "mamba2-130m-2l": ["mamba2-130m", "--depth", "2", "--seq", "32", "--seed", "5"],
    # users' own torch.onnx.export calls: torch 1.13's default opset 14, no constant folding,
    # initializers listed as graph inputs; opset 13 (the oldest accepted)
    "vim-opset14-raw": ["vim-tiny", "--depth", "2", "--img", "32", "--patch", "8", "--opset",
                        "14", "--no-constant-folding", "--initializers-as-inputs", "--seed", "6"],
    "vim-opset13": ["vim-tiny", "--depth", "2", "--img", "32", "--patch", "8", "--opset", "13",
                    "--seed", "7"],
    "vim-cls-tail": ["vim-tiny", "--depth", "2", "--img", "32", "--patch", "8", "--cls-pos",
                     "tail", "--seed", "9"],
    "mamba2-opset15": ["mamba2-130m", "--d-model", "64", "--depth", "2", "--headdim", "16",
                       "--vocab", "500", "--seq", "16", "--opset", "15", "--seed", "8"],
}

TOL = 1e-4


def main():
    bindir, case = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="vimq-e2e-") as d:
        onnx_path = os.path.join(d, "model.onnx")
        inputs = os.path.join(d, "inputs")
        npyutil.export(CASES[case][0], onnx_path, inputs, CASES[case][1:])
        npyutil.run_ref(bindir, onnx_path, inputs, os.path.join(d, "ref"))
        npyutil.run_ort(onnx_path, inputs, os.path.join(d, "ort"))
        ours = npyutil.load_outputs(os.path.join(d, "ref"))
        ort = npyutil.load_outputs(os.path.join(d, "ort"))
        if set(ours) != set(ort) or not ours:
            print("FAIL: output names differ: ours %s, ort %s" % (sorted(ours), sorted(ort)))
            return 1
        ok = True
        for name in sorted(ort):
            if ours[name].shape != ort[name].shape:
                print("FAIL %s: shape %s vs ort %s" % (name, ours[name].shape, ort[name].shape))
                ok = False
                continue
            e = npyutil.rel_err(ours[name], ort[name])
            agree = (npyutil.top5(ours[name])[:, 0] == npyutil.top5(ort[name])[:, 0]).mean() \
                if ours[name].ndim >= 2 else 1.0
            print("%s %s: %s max rel err %.3g (bound %g), top-1 agreement %.2f" %
                  ("ok  " if e <= TOL else "FAIL", case, name, e, TOL, agree))
            ok &= e <= TOL
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
