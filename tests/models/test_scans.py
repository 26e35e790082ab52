"""The scan references against naive per-element loops, and the ONNX function bodies (run in
ONNX Runtime) against the references."""
import math
import os
import tempfile
import unittest

import numpy as np
import onnx
import torch

import helpers
import vimq_ops


def naive_selective_scan(u, delta, A, B, C, D):
    """The definition in docs/ir.md, one scalar at a time, in float64."""
    nb, nl, nd = u.shape
    nn = A.shape[1]
    y = np.zeros((nb, nl, nd))
    for b in range(nb):
        for d in range(nd):
            h = [0.0] * nn
            for t in range(nl):
                acc = 0.0
                for n in range(nn):
                    h[n] = math.exp(delta[b, t, d] * A[d, n]) * h[n] + \
                        delta[b, t, d] * u[b, t, d] * B[b, t, n]
                    acc += h[n] * C[b, t, n]
                y[b, t, d] = acc + D[d] * u[b, t, d]
    return y


def naive_ssd_scan(x, dt, A, B, C, D):
    nb, nl, nh, npp = x.shape
    ng, nn = B.shape[2], B.shape[3]
    y = np.zeros(x.shape)
    for b in range(nb):
        for h in range(nh):
            g = h // (nh // ng)
            S = np.zeros((npp, nn))
            for t in range(nl):
                a = math.exp(dt[b, t, h] * A[h])
                for p in range(npp):
                    for n in range(nn):
                        S[p, n] = a * S[p, n] + dt[b, t, h] * x[b, t, h, p] * B[b, t, g, n]
                    y[b, t, h, p] = sum(S[p, n] * C[b, t, g, n] for n in range(nn)) + \
                        D[h] * x[b, t, h, p]
    return y


def selective_inputs(gen, b, l, d, n, dtype=torch.float64):
    r = lambda *s: torch.randn(*s, generator=gen, dtype=dtype)  # noqa: E731
    delta = torch.nn.functional.softplus(r(b, l, d))
    A = -torch.exp(r(d, n))
    return [r(b, l, d), delta, A, r(b, l, n), r(b, l, n), r(d)]


def ssd_inputs(gen, b, l, h, p, g, n, dtype=torch.float64):
    r = lambda *s: torch.randn(*s, generator=gen, dtype=dtype)  # noqa: E731
    dt = torch.nn.functional.softplus(r(b, l, h))
    return [r(b, l, h, p), dt, -torch.exp(r(h)), r(b, l, g, n), r(b, l, g, n), r(h)]


class ScanReferenceTest(unittest.TestCase):
    # float64 on both sides; the only difference is the summation order over n, so agreement
    # to 1e-12 relative is expected (values stay O(10) for these sizes).
    TOL = 1e-12

    def test_selective_scan_matches_naive_loop(self):
        gen = torch.Generator().manual_seed(0)
        args = selective_inputs(gen, 2, 7, 5, 3)
        ours = vimq_ops.selective_scan_ref(*args).numpy()
        ref = naive_selective_scan(*[a.numpy() for a in args])
        self.assertLess(helpers.rel_err(ours, ref), self.TOL)

    def test_selective_scan_without_skip(self):
        gen = torch.Generator().manual_seed(1)
        args = selective_inputs(gen, 1, 4, 3, 2)
        with_skip = vimq_ops.selective_scan_ref(*args)
        without = vimq_ops.selective_scan_ref(*args[:5], None)
        torch.testing.assert_close(with_skip - without, args[0] * args[5], rtol=0, atol=1e-12)

    def test_ssd_scan_matches_naive_loop_with_groups(self):
        gen = torch.Generator().manual_seed(2)
        args = ssd_inputs(gen, 2, 5, 6, 3, 3, 4)  # 6 heads over 3 groups: heads 2g, 2g+1 -> g
        ours = vimq_ops.ssd_scan_ref(*args).numpy()
        ref = naive_ssd_scan(*[a.numpy() for a in args])
        self.assertLess(helpers.rel_err(ours, ref), self.TOL)

    def test_ssd_scan_group_mapping_matters(self):
        # Swapping the groups must change the result: guards against a mapping that ignores g.
        gen = torch.Generator().manual_seed(3)
        args = ssd_inputs(gen, 1, 4, 4, 2, 2, 3)
        swapped = list(args)
        swapped[3] = args[3].flip(2)
        self.assertGreater(helpers.rel_err(vimq_ops.ssd_scan_ref(*swapped).numpy(),
                                           vimq_ops.ssd_scan_ref(*args).numpy()), 1e-3)

    def test_ssd_scan_rejects_bad_groups(self):
        gen = torch.Generator().manual_seed(4)
        args = ssd_inputs(gen, 1, 2, 3, 2, 2, 2)
        with self.assertRaisesRegex(ValueError, "3 heads are not divisible by 2 groups"):
            vimq_ops.ssd_scan_ref(*args)


class FunctionBodyTest(unittest.TestCase):
    """The FunctionProto bodies, run by ONNX Runtime, against the PyTorch loops."""
    # float32 in ORT vs float32 loop in PyTorch: same operations in the same order except the
    # Σ_n reduction; 1e-5 relative is ~100 ulp of headroom over the ~1e-7 observed.
    TOL = 1e-5

    def run_function(self, op, args, names):
        model = vimq_ops.single_op_model(op, [tuple(a.shape) for a in args])
        onnx.checker.check_model(model, full_check=True)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.onnx")
            onnx.save(model, path)
            inputs = {}
            for name, a in zip(names, args):
                inputs[name] = os.path.join(d, name + ".npy")
                np.save(inputs[name], a.numpy())
            code, out, err = helpers.ort_run(path, inputs, os.path.join(d, "out"))
            self.assertEqual(code, 0, err)
            return np.load(os.path.join(d, "out", "y.npy"))

    def test_selective_scan_function(self):
        gen = torch.Generator().manual_seed(5)
        args = selective_inputs(gen, 2, 9, 6, 4, torch.float32)
        got = self.run_function("SelectiveScan", args, ["u", "delta", "A", "B", "C", "Dskip"])
        self.assertLess(helpers.rel_err(got, vimq_ops.selective_scan_ref(*args).numpy()),
                        self.TOL)

    def test_ssd_scan_function(self):
        gen = torch.Generator().manual_seed(6)
        args = ssd_inputs(gen, 2, 7, 6, 3, 2, 5, torch.float32)
        got = self.run_function("SSDScan", args, ["x", "dt", "A", "B", "C", "Dskip"])
        self.assertLess(helpers.rel_err(got, vimq_ops.ssd_scan_ref(*args).numpy()), self.TOL)

    def test_attach_functions_is_idempotent(self):
        model = vimq_ops.single_op_model("SSDScan", [(1, 2, 2, 2), (1, 2, 2), (2,),
                                                     (1, 2, 1, 3), (1, 2, 1, 3), (2,)])
        vimq_ops.attach_functions(model)
        self.assertEqual(len(model.functions), 1)
        self.assertEqual([o.domain for o in model.opset_import].count(vimq_ops.DOMAIN), 1)


if __name__ == "__main__":
    unittest.main()
