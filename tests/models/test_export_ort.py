"""Exported models, run by ONNX Runtime through models/ort_run.js, against PyTorch; and the
structure of the exported files (the ONNX form of docs/models.md)."""
import collections
import os
import tempfile
import unittest

import numpy as np
import onnx
from onnx import numpy_helper

import helpers

# Both sides compute in float32 in different orders (ORT's MLAS GEMMs block the K sum and use
# FMA; the scans run as an ONNX Scan loop vs a PyTorch loop); through a few residual layers the
# observed error is ~1e-6, so 1e-4 keeps a wide margin while a wrong op would be off by O(1).
TOL = 1e-4


class ExportOrtTest(unittest.TestCase):
    def export_and_compare(self, args, input_name, input_shape, output_shape):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.onnx")
            code, out, err = helpers.export(
                args + ["-o", path, "--write-inputs", os.path.join(d, "in"),
                        "--write-torch-outputs", os.path.join(d, "torch")])
            self.assertEqual(code, 0, err)
            x = np.load(os.path.join(d, "in", input_name + ".npy"))
            self.assertEqual(list(x.shape), input_shape)
            code, out, err = helpers.ort_run(
                path, {input_name: os.path.join(d, "in", input_name + ".npy")},
                os.path.join(d, "ort"))
            self.assertEqual(code, 0, err)
            ours = np.load(os.path.join(d, "ort", "logits.npy"))
            ref = np.load(os.path.join(d, "torch", "logits.npy"))
            self.assertEqual(list(ours.shape), output_shape)
            self.assertEqual(ours.shape, ref.shape)
            self.assertGreater(np.abs(ref).max(), 0)
            self.assertLessEqual(helpers.rel_err(ours, ref), TOL)
            model = onnx.load(path)
            onnx.checker.check_model(model, full_check=True)
            # the files are complete: nothing but what was asked for is left in the directory
            self.assertEqual(sorted(os.listdir(d)), ["in", "m.onnx", "ort", "torch"])
            return model, x

    def check_form(self, model, scan_op, scans):
        self.assertEqual(model.ir_version, 8)
        opsets = {o.domain: o.version for o in model.opset_import}
        self.assertEqual(opsets, {"": 17, "ai.vimq": 1})
        ops = collections.Counter((n.domain, n.op_type) for n in model.graph.node)
        self.assertEqual(ops[("ai.vimq", scan_op)], scans)
        self.assertEqual([(f.domain, f.name) for f in model.functions], [("ai.vimq", scan_op)])
        self.assertEqual(list(model.functions[0].input),
                         [model.functions[0].input[0], model.functions[0].input[1], "A", "B",
                          "C", "Dskip"])
        for node in model.graph.node:
            if node.domain == "ai.vimq":
                self.assertEqual(len(node.input), 6, node.name)
        self.assertEqual([o.name for o in model.graph.output], ["logits"])

    def test_vim_odd_nonsquare_batch2(self):
        # odd width, d_state, classes; 5x7 patches (35, cls at 17); batch 2
        model, x = self.export_and_compare(
            ["vim-tiny", "--d-model", "36", "--depth", "2", "--d-state", "5", "--patch", "8",
             "--img", "40x56", "--batch", "2", "--classes", "13", "--seed", "3"],
            "image", [2, 3, 40, 56], [2, 13])
        self.check_form(model, "SelectiveScan", 4)  # 2 layers x 2 directions
        self.assertEqual(x.dtype, np.float32)
        pos = [i for i in model.graph.initializer if i.name == "pos_embed"][0]
        self.assertEqual(list(pos.dims), [1, 36, 36])

    def test_vim_outliers(self):
        model, _ = self.export_and_compare(
            ["vim-tiny", "--d-model", "32", "--depth", "2", "--img", "32", "--outliers", "3",
             "--seed", "4"], "image", [1, 3, 32, 32], [1, 1000])
        w = numpy_helper.to_array(
            [i for i in model.graph.initializer if i.name == "layers.0.norm.weight"][0])
        self.assertEqual(int((np.abs(w) >= 20).sum()), 3)

    def test_mamba2_small_groups(self):
        model, x = self.export_and_compare(
            ["mamba2-130m", "--d-model", "48", "--depth", "2", "--d-state", "8", "--headdim",
             "12", "--ngroups", "2", "--vocab", "101", "--seq", "11", "--batch", "2",
             "--seed", "5"], "input_ids", [2, 11], [2, 11, 112])  # 101 padded to 112
        self.check_form(model, "SSDScan", 2)
        self.assertEqual(x.dtype, np.int64)
        self.assertLess(x.max(), 101)


if __name__ == "__main__":
    unittest.main()
