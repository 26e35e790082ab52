"""Checkpoint loading: round trips in the upstream layouts, and every error case."""
import json
import os
import tempfile
import unittest

import numpy as np
import torch

import helpers
import checkpoint
import mamba2
import vim


def small_vim(seed):
    torch.manual_seed(seed)
    return vim.VisionMamba(vim.VimConfig(d_model=24, depth=2, d_state=4, patch=8, img_h=16,
                                         img_w=24, num_classes=7)).eval()


def small_mamba2(seed):
    torch.manual_seed(seed)
    return mamba2.Mamba2LMHeadModel(mamba2.Mamba2Config(
        d_model=32, n_layer=2, d_state=8, headdim=16, vocab_size=50)).eval()


class CheckpointTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_vim_round_trip_model_key(self):
        src, dst = small_vim(1), small_vim(2)
        checkpoint.save_checkpoint(src, self.path("vim.pth"), layout="vim")
        self.assertIn("model", torch.load(self.path("vim.pth")))
        checkpoint.load_checkpoint(dst, self.path("vim.pth"))
        x = torch.randn(2, 3, 16, 24)
        with torch.no_grad():
            torch.testing.assert_close(dst(x), src(x), rtol=0, atol=0)  # same weights, same code

    def test_mamba2_round_trip_bare_dict_with_and_without_tied_head(self):
        src = small_mamba2(1)
        ids = torch.randint(0, 50, (1, 6))
        for keep_head in (True, False):
            state = src.state_dict()
            if not keep_head:
                del state["lm_head.weight"]
            torch.save(state, self.path("pytorch_model.bin"))
            dst = small_mamba2(2)
            checkpoint.load_checkpoint(dst, self.path("pytorch_model.bin"))
            self.assertIs(dst.lm_head.weight, dst.backbone.embedding.weight)  # still tied
            with torch.no_grad():
                torch.testing.assert_close(dst(ids), src(ids), rtol=0, atol=0)

    def test_data_parallel_prefix_is_removed(self):
        src, dst = small_mamba2(1), small_mamba2(2)
        for layout in ("bare", "state_dict"):
            state = {"module." + k: v for k, v in src.state_dict().items()}
            torch.save(state if layout == "bare" else {"state_dict": state, "epoch": 3},
                       self.path("dp.pth"))
            checkpoint.load_checkpoint(dst, self.path("dp.pth"))
            ids = torch.randint(0, 50, (1, 6))
            with torch.no_grad():
                torch.testing.assert_close(dst(ids), src(ids), rtol=0, atol=0)

    def test_export_cli_infers_architecture_from_checkpoint(self):
        src = small_vim(3)
        checkpoint.save_checkpoint(src, self.path("vim.pth"))
        code, out, err = helpers.export(
            ["vim-tiny", "--checkpoint", self.path("vim.pth"), "--d-model", "24", "--img",
             "16x24", "--batch", "2", "-o", self.path("m.onnx"), "--write-inputs", self.path("in"),
             "--write-torch-outputs", self.path("out")])
        self.assertEqual(code, 0, err)
        image = torch.from_numpy(np.load(self.path("in/image.npy")))
        with torch.no_grad():
            expect = src(image).numpy()
        np.testing.assert_array_equal(np.load(self.path("out/logits.npy")), expect)

    def test_preset_contradicted_by_checkpoint_is_an_error(self):
        checkpoint.save_checkpoint(small_vim(3), self.path("vim.pth"))  # d_model 24, depth 2
        for args, msg in (([], "the checkpoint has d_model 24, which contradicts preset "
                                "vim-small's d_model 384 (use the matching preset or pass "
                                "--d-model 24)"),
                          (["--d-model", "24", "--depth", "3"],
                           "the checkpoint has depth 2, which contradicts --depth 3")):
            code, _, err = helpers.export(["vim-small", "--checkpoint", self.path("vim.pth"),
                                           "--img", "16x24", "-o", self.path("m.onnx")] + args)
            self.assertEqual(code, 1)
            self.assertIn(msg, err)
            self.assertFalse(os.path.exists(self.path("m.onnx")))

    def test_pos_embed_resized_for_another_image_size(self):
        # A checkpoint trained on a 4x4 patch grid (cls at 8) exported for a 3x5 grid (cls at 7).
        torch.manual_seed(4)
        src = vim.VisionMamba(vim.VimConfig(d_model=24, depth=1, d_state=4, patch=8, img_h=32,
                                            img_w=32, num_classes=7))
        checkpoint.save_checkpoint(src, self.path("vim.pth"))
        state = checkpoint.read_state_dict(self.path("vim.pth"))
        self.assertFalse(checkpoint.resize_vim_pos_embed(dict(state), (4, 4)))  # same grid
        self.assertTrue(checkpoint.resize_vim_pos_embed(state, (3, 5)))
        pos, old = state["pos_embed"], src.pos_embed.detach()
        self.assertEqual(list(pos.shape), [1, 16, 24])
        torch.testing.assert_close(pos[:, 7], old[:, 8], rtol=0, atol=0)  # the cls entry moves
        # a constant grid stays constant under bicubic resampling (weights sum to 1)
        flat = {"pos_embed": torch.full((1, 17, 2), 0.25)}
        checkpoint.resize_vim_pos_embed(flat, (2, 6))
        torch.testing.assert_close(flat["pos_embed"], torch.full((1, 13, 2), 0.25))
        code, out, err = helpers.export(
            ["vim-tiny", "--checkpoint", self.path("vim.pth"), "--d-model", "24", "--img", "24x40",
             "-o", self.path("m.onnx")])
        self.assertEqual(code, 0, err)
        self.assertIn("pos_embed resized to 3x5 patches", out)
        with self.assertRaisesRegex(checkpoint.CheckpointError, "not a square grid"):
            checkpoint.resize_vim_pos_embed({"pos_embed": torch.zeros(1, 7, 2)}, (2, 2))

    def test_export_cli_reads_hf_config_vocab(self):
        # pytorch_model.bin + config.json as state-spaces/mamba2-* ships them: the embedding has
        # the padded 64 rows, config.json says 50 real tokens; example ids must stay below 50.
        src = small_mamba2(5)
        checkpoint.save_checkpoint(src, self.path("pytorch_model.bin"), layout="hf")
        with open(self.path("config.json"), "w") as f:
            json.dump({"d_model": 32, "n_layer": 2, "vocab_size": 50,
                       "pad_vocab_size_multiple": 16}, f)
        code, out, err = helpers.export(
            ["mamba2-130m", "--checkpoint", self.path("pytorch_model.bin"), "--headdim", "16",
             "--d-model", "32", "--depth", "2", "--seq", "200", "-o", self.path("m.onnx"), "--write-inputs", self.path("in"),
             "--write-torch-outputs", self.path("out")])
        self.assertEqual(code, 0, err)
        ids = np.load(self.path("in/input_ids.npy"))
        self.assertLess(ids.max(), 50)
        with torch.no_grad():
            expect = src(torch.from_numpy(ids)).numpy()
        self.assertEqual(expect.shape, (1, 200, 64))
        np.testing.assert_array_equal(np.load(self.path("out/logits.npy")), expect)

    def expect_error(self, obj, pattern, model=None):
        torch.save(obj, self.path("bad.pth"))
        with self.assertRaisesRegex(checkpoint.CheckpointError, pattern):
            checkpoint.load_checkpoint(model or small_vim(0), self.path("bad.pth"))

    def test_missing_key(self):
        state = small_vim(0).state_dict()
        del state["layers.1.mixer.A_b_log"]
        self.expect_error({"model": state}, r"bad\.pth: missing keys: layers\.1\.mixer\.A_b_log")

    def test_unexpected_key(self):
        state = small_vim(0).state_dict()
        state["layers.2.norm.weight"] = torch.ones(24)
        self.expect_error(state, r"unexpected keys: layers\.2\.norm\.weight")

    def test_misshaped_key(self):
        state = small_vim(0).state_dict()
        state["head.weight"] = torch.zeros(8, 24)
        self.expect_error(state, r"head\.weight has shape \[8, 24\], the model expects \[7, 24\]")

    def test_not_a_state_dict(self):
        self.expect_error([1, 2], r"expected a state dict .* got list")
        self.expect_error({}, r"the state dict is empty")
        self.expect_error({"model": {"a": 1}}, r"entries that are not named tensors: a")

    def test_integer_tensor_rejected(self):
        state = small_vim(0).state_dict()
        state["layers.0.mixer.D"] = torch.ones(48, dtype=torch.int64)
        self.expect_error(state, r"layers\.0\.mixer\.D has dtype torch\.int64")

    def test_unreadable_files(self):
        with self.assertRaisesRegex(checkpoint.CheckpointError, r"nope\.pth: no such"):
            checkpoint.read_state_dict(self.path("nope.pth"))
        with open(self.path("junk.pth"), "wb") as f:
            f.write(b"this is not a checkpoint")
        with self.assertRaisesRegex(checkpoint.CheckpointError, r"junk\.pth: cannot read"):
            checkpoint.read_state_dict(self.path("junk.pth"))

    def test_export_cli_reports_checkpoint_errors(self):
        state = small_vim(0).state_dict()
        del state["norm_f.weight"]
        torch.save(state, self.path("bad.pth"))
        code, out, err = helpers.export(["vim-tiny", "--checkpoint", self.path("bad.pth"),
                                         "--d-model", "24", "--img", "16x24", "-o",
                                         self.path("m.onnx")])
        self.assertEqual(code, 1)
        self.assertIn("bad.pth: missing keys: norm_f.weight", err)
        self.assertNotIn("Traceback", err)
        self.assertFalse(os.path.exists(self.path("m.onnx")))


if __name__ == "__main__":
    unittest.main()
