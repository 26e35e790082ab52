"""Command-line behaviour of models/export.py and models/ort_run.js: errors are one clear line,
a non-zero exit and no output file; the .npy reader/writer of ort_run.js round-trips."""
import contextlib
import io
import os
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper

import helpers
import export  # noqa: E402  (models/, put on sys.path by helpers)


def export_in_process(argv):
    """Runs export.main in this process (importing torch once for the whole suite instead of
    once per case); returns (exit code, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = export.main(argv)
        except SystemExit as e:  # argparse
            code = e.code
    return code, err.getvalue()


class ExportCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "m.onnx")

    def tearDown(self):
        self.tmp.cleanup()

    def expect_error(self, args, message, code=1):
        rc, err = export_in_process(args + ["-o", self.out])
        self.assertEqual(rc, code, err)
        self.assertIn(message, err)
        self.assertEqual(os.listdir(self.tmp.name), [])  # nothing written, no scratch left

    def test_image_not_divisible_by_patch_from_the_command_line(self):
        rc, out, err = helpers.export(["vim-tiny", "--img", "100x224", "-o", self.out])
        self.assertEqual(rc, 1)
        self.assertEqual(err.strip(),
                         "export.py: error: image 100x224 is not divisible by the patch size 16")
        self.assertEqual(os.listdir(self.tmp.name), [])

    def test_image_not_divisible_by_patch(self):
        self.expect_error(["vim-tiny", "--img", "64", "--patch", "6"],
                          "image 64x64 is not divisible by the patch size 6")

    def test_bad_image_syntax(self):
        self.expect_error(["vim-tiny", "--img", "224by224"], "expected SIZE or HxW", code=2)

    def test_option_of_the_other_family(self):
        self.expect_error(["vim-tiny", "--seq", "16"], "--seq does not apply to vim-tiny")
        self.expect_error(["mamba2-130m", "--img", "32"], "--img does not apply to mamba2-130m")

    def test_heads_must_divide(self):
        self.expect_error(["mamba2-130m", "--d-model", "36", "--headdim", "16"],
                          "d_inner 72 (expand x d_model) is not divisible by headdim 16")
        self.expect_error(["mamba2-130m", "--d-model", "48", "--headdim", "16", "--ngroups", "4"],
                          "6 heads are not divisible by ngroups 4")

    def test_unknown_preset_and_bad_numbers(self):
        self.expect_error(["vim-huge"], "invalid choice", code=2)
        self.expect_error(["vim-tiny", "--batch", "0"], "expected a positive integer", code=2)
        self.expect_error(["vim-tiny", "--d-model", "8", "--outliers", "9", "--img", "16"],
                          "--outliers 9: must be between 0 and the model width 8")

    def test_seed_determinism(self):
        args = ["vim-tiny", "--d-model", "16", "--depth", "1", "--img", "16x32"]
        blobs = []
        for seed in ("7", "7", "8"):
            rc, err = export_in_process(args + ["--seed", seed, "-o", self.out])
            self.assertEqual(rc, 0, err)
            blobs.append(onnx.load(self.out).SerializeToString())
        self.assertEqual(blobs[0], blobs[1])
        self.assertNotEqual(blobs[0], blobs[2])


class ExternalDataTest(unittest.TestCase):
    def test_large_models_use_external_data(self):
        # Models above EXTERNAL_DATA_THRESHOLD (1.8 GB) are saved with external data; lowering
        # the threshold exercises that path on a tiny model. ORT must still run the pair.
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "big.onnx")
            saved = export.EXTERNAL_DATA_THRESHOLD
            export.EXTERNAL_DATA_THRESHOLD = 0
            try:
                rc, err = export_in_process(
                    ["mamba2-130m", "--d-model", "32", "--depth", "1", "--d-state", "4",
                     "--headdim", "16", "--vocab", "30", "--seq", "5", "-o", out,
                     "--write-inputs", os.path.join(d, "in"),
                     "--write-torch-outputs", os.path.join(d, "torch")])
            finally:
                export.EXTERNAL_DATA_THRESHOLD = saved
            self.assertEqual(rc, 0, err)
            self.assertEqual(sorted(os.listdir(d)), ["big.onnx", "big.onnx.data", "in", "torch"])
            model = onnx.load(out, load_external_data=False)
            self.assertTrue(all(t.data_location == TensorProto.EXTERNAL
                                for t in model.graph.initializer if len(t.dims) == 2))
            rc, _, err = helpers.ort_run(out, {"input_ids": os.path.join(d, "in", "input_ids.npy")},
                                         os.path.join(d, "ort"))
            self.assertEqual(rc, 0, err)
            # float32 ORT vs PyTorch, one layer: see test_export_ort.TOL for the 1e-4 bound.
            self.assertLessEqual(helpers.rel_err(np.load(os.path.join(d, "ort", "logits.npy")),
                                                 np.load(os.path.join(d, "torch", "logits.npy"))),
                                 1e-4)


class OrtRunTest(unittest.TestCase):
    """ort_run.js on a tiny hand-made model: y = x + 1 (float32), ids passed through (int64)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        d = self.tmp.name
        f, i64 = TensorProto.FLOAT, TensorProto.INT64
        one = helper.make_tensor("one", f, [], [1.0])
        graph = helper.make_graph(
            [helper.make_node("Add", ["x", "one"], ["y"]),
             helper.make_node("Identity", ["ids"], ["ids_out"])], "g",
            [helper.make_tensor_value_info("x", f, [2, 3]),
             helper.make_tensor_value_info("ids", i64, [4])],
            [helper.make_tensor_value_info("y", f, [2, 3]),
             helper.make_tensor_value_info("ids_out", i64, [4])], [one])
        self.model = os.path.join(d, "add.onnx")
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                                    ir_version=8), self.model)
        self.x = os.path.join(d, "x.npy")
        self.ids = os.path.join(d, "ids.npy")
        np.save(self.x, np.arange(6, dtype=np.float32).reshape(2, 3) / 7)
        np.save(self.ids, np.array([0, -1, 2**40, 5], dtype=np.int64))
        self.outdir = os.path.join(d, "out")

    def tearDown(self):
        self.tmp.cleanup()

    def test_round_trip_and_timing(self):
        rc, out, err = helpers.ort_run(self.model, {"x": self.x, "ids": self.ids}, self.outdir,
                                       ["--time", "2"])
        self.assertEqual(rc, 0, err)
        np.testing.assert_array_equal(np.load(os.path.join(self.outdir, "y.npy")),
                                      np.load(self.x) + np.float32(1))
        ids = np.load(os.path.join(self.outdir, "ids_out.npy"))
        self.assertEqual(ids.dtype, np.int64)
        np.testing.assert_array_equal(ids, np.load(self.ids))
        self.assertRegex(out.strip().splitlines()[-1], r"^mean [0-9.]+ s over 2 runs$")

    def expect_error(self, inputs, message):
        rc, out, err = helpers.ort_run(self.model, inputs, self.outdir)
        self.assertNotEqual(rc, 0)
        self.assertIn(message, err)
        self.assertFalse(os.path.exists(self.outdir))

    def test_errors(self):
        self.expect_error({"x": self.x}, "missing --input for: ids")
        self.expect_error({"x": self.x, "ids": self.ids, "z": self.x}, "the model has no input 'z'")
        self.expect_error({"x": self.x, "ids": self.ids + ".missing"}, "cannot read")
        junk = os.path.join(self.tmp.name, "junk.npy")
        with open(junk, "wb") as f:
            f.write(b"not numpy at all")
        self.expect_error({"x": junk, "ids": self.ids}, "junk.npy: not a .npy file")
        f64 = os.path.join(self.tmp.name, "f64.npy")
        np.save(f64, np.zeros((2, 3)))
        self.expect_error({"x": f64, "ids": self.ids}, "run failed")
        rc, _, err = helpers.run(["node", os.path.join(helpers.MODELS, "ort_run.js"),
                                  os.path.join(self.tmp.name, "none.onnx"), "--output", "o"])
        self.assertEqual(rc, 2)
        self.assertIn("none.onnx: no such file", err)


if __name__ == "__main__":
    unittest.main()
