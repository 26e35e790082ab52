"""compare_npy.py A_DIR B_DIR --rtol R: every A_DIR/<name>.npy equals B_DIR/<name>.npy within
|a - b| <= R * (1 + |a|); prints the worst case; exits 1 on a mismatch or a missing file."""
import argparse
import os
import sys

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("a")
p.add_argument("b")
p.add_argument("--rtol", type=float, required=True)
args = p.parse_args()
names = sorted(f for f in os.listdir(args.a) if f.endswith(".npy"))
if not names:
    sys.exit("no .npy files in " + args.a)
ok = True
for n in names:
    a = np.load(os.path.join(args.a, n)).astype(np.float64)
    b = np.load(os.path.join(args.b, n)).astype(np.float64)
    if a.shape != b.shape:
        print("%s: shape %s vs %s" % (n, a.shape, b.shape))
        ok = False
        continue
    err = np.max(np.abs(a - b) / (1 + np.abs(a)))
    print("%s: max scaled error %.3g" % (n, err))
    ok &= bool(err <= args.rtol)
sys.exit(0 if ok else 1)
