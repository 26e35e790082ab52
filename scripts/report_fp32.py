"""Runs one exported model through vimq-ref and ONNX Runtime and prints top-5 and agreement."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))
import npyutil  # noqa: E402


def main():
    bindir, out = sys.argv[1], sys.argv[2]
    onnx_path = os.path.join(out, "vim_tiny.onnx")
    inputs = os.path.join(out, "inputs")
    t0 = time.time()
    npyutil.run_ref(bindir, onnx_path, inputs, os.path.join(out, "vimq-ref"))
    t1 = time.time()
    npyutil.run_ort(onnx_path, inputs, os.path.join(out, "ort"))
    t2 = time.time()
    ours = npyutil.load_outputs(os.path.join(out, "vimq-ref"))
    ort = npyutil.load_outputs(os.path.join(out, "ort"))
    for name in sorted(ort):
        a, b = ours[name], ort[name]
        ta, tb = npyutil.top5(a), npyutil.top5(b)
        for i in range(ta.shape[0]):
            print("image %d  vimq-ref top-5: %s" % (i, " ".join("%4d" % c for c in ta[i])))
            print("image %d  ORT      top-5: %s" % (i, " ".join("%4d" % c for c in tb[i])))
            print("image %d  top-1 %s, top-5 overlap %d/5" %
                  (i, "agree" if ta[i, 0] == tb[i, 0] else "DIFFER", len(set(ta[i]) & set(tb[i]))))
        print("%s: max |vimq-ref - ORT| / max |ORT| = %.3g" % (name, npyutil.rel_err(a, b)))
    print("wall time (process incl. load): vimq-ref %.2f s, ORT %.2f s" % (t1 - t0, t2 - t1))


if __name__ == "__main__":
    main()
