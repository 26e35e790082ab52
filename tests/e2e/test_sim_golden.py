"""The overlay (sim device) against the golden model, bit for bit (DESIGN §7, rung 3).

For one case: export a ViM or a Mamba2 LM with seeded weights and inputs, `vimq-compile
--scheme S --target T` (vimq on zcu102 unless the case says otherwise), `vimq-run --device sim`,
`vimq-ref --scheme S` on the same file and
inputs, and require every output bit to be equal (np.array_equal on the float32 arrays, which
are exact images of the int32 results: `fixed` outputs are value * 2^-frac). No tolerance: both
sides implement the same integer semantics, any difference is a bug. On a difference the test
runs vimq-debug-compare, which names the first instruction whose output differs.

The `determinism` case compiles twice and compares the bundles byte for byte.

Usage: test_sim_golden.py BINDIR CASE
"""
import filecmp
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import npyutil  # noqa: E402

# Depths are chosen for CI time (2 cores): ViM-tiny and -small run all 24 layers at 224²;
# the others exercise sizes and shapes with fewer layers (the layers are identical in form).
CASES = {
    "vim-tiny-224": ["vim-tiny"],
    "vim-small-224": ["vim-small"],
    "vim-base-224-d2": ["vim-base", "--depth", "2"],
    "vim-tiny-160x224-d6": ["vim-tiny", "--img", "160x224", "--depth", "6"],
    "vim-tiny-384-d3": ["vim-tiny", "--img", "384", "--depth", "3"],
    # odd everything: d_model 200 (not a multiple of 64), d_state 12, patch 8, 40x56 image,
    # one input channel, 37 classes
    "vim-odd-patch8": ["vim-tiny", "--d-model", "200", "--d-state", "12", "--patch", "8",
                       "--img", "40x56", "--in-chans", "1", "--classes", "37", "--depth", "3"],
    "vim-tiny-batch2": ["vim-tiny", "--batch", "2", "--img", "96", "--depth", "4"],
    # what users' own torch.onnx.export calls produce: torch 1.13's default opset 14, no
    # constant folding, initializers listed as graph inputs
    "vim-opset14-raw": ["vim-tiny", "--img", "64", "--depth", "3", "--opset", "14",
                        "--no-constant-folding", "--initializers-as-inputs"],
    # class token first (upstream's use_head_cls_token form) and last (the generic insert,
    # whose empty slice the frontend drops from the Concat)
    "vim-cls-head": ["vim-tiny", "--img", "48x32", "--depth", "2", "--cls-pos", "head"],
    "vim-cls-tail": ["vim-tiny", "--img", "48x32", "--depth", "2", "--cls-pos", "tail"],
    # the architecture's other knobs at once: expand 1, conv width 3, d_state 32, an explicit
    # dt_rank 8, patch 14 on a 56x84 image
    "vim-arch-knobs": ["vim-tiny", "--d-model", "96", "--expand", "1", "--d-conv", "3",
                       "--d-state", "32", "--dt-rank", "8", "--patch", "14", "--img", "56x84",
                       "--depth", "2"],
    # FastMamba's scheme on ViM (Hadamard-rotated W8A8 linears, power-of-two int8 conv)
    "fm-vim-tiny-64-d4": ["vim-tiny", "--img", "64", "--depth", "4"],
    "fm-vim-odd-patch8": ["vim-tiny", "--d-model", "200", "--d-state", "12", "--patch", "8",
                          "--img", "40x56", "--in-chans", "1", "--classes", "37", "--depth", "2"],
    # Mamba2 LMs (int64 input_ids -> embedding gather -> layers -> tied head), both schemes.
    # Sequence lengths are prime (no tile divides them); sizes cover headdim 16/32/64, d_state
    # 16/64/128, ngroups 2 (a 96-column norm group), batch 2 and a raw opset-14 export.
    "m2-small": ["mamba2-130m", "--depth", "2", "--d-model", "64", "--d-state", "16",
                 "--headdim", "16", "--seq", "37", "--vocab", "100"],
    "fm-m2-small": ["mamba2-130m", "--depth", "2", "--d-model", "64", "--d-state", "16",
                    "--headdim", "16", "--seq", "37", "--vocab", "100"],
    "m2-ngroups2-batch2": ["mamba2-130m", "--depth", "2", "--d-model", "96", "--d-state", "64",
                           "--headdim", "32", "--ngroups", "2", "--seq", "29", "--vocab", "77",
                           "--batch", "2"],
    "fm-m2-ngroups2-batch2": ["mamba2-130m", "--depth", "2", "--d-model", "96", "--d-state",
                              "64", "--headdim", "32", "--ngroups", "2", "--seq", "29",
                              "--vocab", "77", "--batch", "2"],
    "fm-m2-opset14-raw": ["mamba2-130m", "--depth", "2", "--d-model", "128", "--d-state", "128",
                          "--headdim", "64", "--seq", "19", "--vocab", "300", "--opset", "14",
                          "--no-constant-folding"],
    # Mamba2-130M as published (24 layers, d_state 128, headdim 64, vocab 50277) at a short
    # sequence: the full-size weights, embedding and head through the whole flow.
    "fm-m2-130m-seq13": ["mamba2-130m", "--seq", "13"],
}
# case -> (scheme, target) where not (vimq, zcu102)
SCHEMES = {
    "fm-vim-tiny-64-d4": ("fastmamba", "zcu102"),
    "fm-vim-odd-patch8": ("fastmamba", "zcu102"),
    "fm-m2-small": ("fastmamba", "vc709"),
    "m2-ngroups2-batch2": ("vimq", "vc709"),
    "fm-m2-ngroups2-batch2": ("fastmamba", "zcu102"),
    "fm-m2-opset14-raw": ("fastmamba", "vc709"),
    "fm-m2-130m-seq13": ("fastmamba", "vc709"),
}


def compile_model(bindir, onnx_path, out, scheme="vimq", target="zcu102"):
    npyutil.run([os.path.join(bindir, "vimq-compile"), onnx_path, "-o", out, "--target",
                 target, "--scheme", scheme])


# The text form of a bundle is ~2 bytes per weight byte; larger bundles (Mamba2-130M's 200 MB)
# skip the round trip for CI time, the rest run it.
ROUND_TRIP_MAX_BYTES = 64 << 20


def assembler_round_trip(bindir, bundle, d):
    """vimq-objdump BUNDLE | vimq-as - -o B2 must give the same bytes (metadata included)."""
    if os.path.getsize(bundle) > ROUND_TRIP_MAX_BYTES:
        print("assembler round trip: skipped (%d MB bundle)" % (os.path.getsize(bundle) >> 20))
        return True
    again = os.path.join(d, "again.vimq")
    dump = npyutil.subprocess.Popen([os.path.join(bindir, "vimq-objdump"), bundle],
                                    stdout=npyutil.subprocess.PIPE)
    asm = npyutil.subprocess.run([os.path.join(bindir, "vimq-as"), "-", "-o", again],
                                 stdin=dump.stdout)
    dump.stdout.close()
    ok = dump.wait() == 0 and asm.returncode == 0 and filecmp.cmp(bundle, again, shallow=False)
    print("assembler round trip (objdump | as): %s" % ("byte-identical" if ok else "DIFFERENT"))
    return ok


def check_case(bindir, case, d):
    onnx_path = os.path.join(d, "model.onnx")
    inputs = os.path.join(d, "inputs")
    npyutil.export(CASES[case][0], onnx_path, inputs, CASES[case][1:] + ["--seed", "1"])
    scheme, target = SCHEMES.get(case, ("vimq", "zcu102"))
    print("scheme %s, target %s" % (scheme, target))
    bundle = os.path.join(d, "model.vimq")
    compile_model(bindir, onnx_path, bundle, scheme, target)
    if not assembler_round_trip(bindir, bundle, d):
        return False
    sim_out, ref_out = os.path.join(d, "sim"), os.path.join(d, "ref")
    npyutil.run([os.path.join(bindir, "vimq-run"), bundle, "--device", "sim", "--output",
                 sim_out] + npyutil.input_args(inputs))
    npyutil.run_ref(bindir, onnx_path, inputs, ref_out, ["--scheme", scheme])
    sim, ref = npyutil.load_outputs(sim_out), npyutil.load_outputs(ref_out)
    if sorted(sim) != sorted(ref):
        print("FAIL: outputs differ in names: sim %s, golden %s" % (sorted(sim), sorted(ref)))
        return False
    ok = True
    for name in sorted(ref):
        a, b = sim[name], ref[name]
        same = a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
        print("%-10s %-16s %s" % (name, "x".join(map(str, b.shape)),
                                  "bit-exact" if same else "DIFFERENT"))
        ok = ok and same
    if not ok:
        dbg = os.path.join(bindir, "vimq-debug-compare")
        if os.path.exists(dbg):
            p = npyutil.subprocess.run([dbg, onnx_path, "--target", target, "--scheme", scheme] +
                                       npyutil.input_args(inputs), stdout=npyutil.subprocess.PIPE,
                                       stderr=npyutil.subprocess.STDOUT, text=True)
            print(p.stdout)
    return ok


def check_determinism(bindir, d):
    onnx_path = os.path.join(d, "model.onnx")
    npyutil.export(CASES["vim-odd-patch8"][0], onnx_path, os.path.join(d, "inputs"),
                   CASES["vim-odd-patch8"][1:])
    a, b = os.path.join(d, "a.vimq"), os.path.join(d, "b.vimq")
    compile_model(bindir, onnx_path, a)
    compile_model(bindir, onnx_path, b)
    same = filecmp.cmp(a, b, shallow=False)
    print("two compilations: %s" % ("byte-identical" if same else "DIFFERENT"))
    return same


def main():
    bindir, case = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="vimq-simgolden-") as d:
        ok = check_determinism(bindir, d) if case == "determinism" else check_case(bindir, case, d)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
