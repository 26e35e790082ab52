"""The reference models themselves: preset sizes, configuration checks, structural details that
the exported graph and the importer rely on."""
import unittest

import torch

import helpers  # noqa: F401  (puts models/ on sys.path)
import layers
import mamba2
import vim


def count(model):
    return sum(p.numel() for p in model.parameters())  # tied parameters counted once


class PresetTest(unittest.TestCase):
    def test_vim_parameter_counts(self):
        # Published sizes (hustvl/Vim): 7M / 26M / 98M. Exact counts of this definition
        # (224x224, 1000 classes) are pinned so that a structural change shows up.
        expect = {"vim-tiny": 7148008, "vim-small": 25796584, "vim-base": 97598440}
        for name, n in expect.items():
            self.assertEqual(count(vim.VisionMamba(vim.VimConfig(**vim.PRESETS[name]))), n, name)

    def test_mamba2_130m_parameter_count(self):
        cfg = mamba2.Mamba2Config(**mamba2.PRESETS["mamba2-130m"])
        self.assertEqual(cfg.padded_vocab, 50288)
        self.assertEqual((cfg.d_inner, cfg.nheads), (1536, 24))
        m = mamba2.Mamba2LMHeadModel(cfg)
        self.assertEqual(count(m), 128989632)  # "130M" (state-spaces/mamba2-130m)
        self.assertEqual(tuple(m.backbone.layers[0].mixer.in_proj.weight.shape),
                         (2 * 1536 + 2 * 128 + 24, 768))

    def test_upstream_names(self):
        names = set(vim.VisionMamba(vim.VimConfig(d_model=16, depth=1, img_h=16, img_w=16))
                    .state_dict())
        for n in ["patch_embed.proj.weight", "cls_token", "pos_embed", "norm_f.weight",
                  "head.weight", "head.bias", "layers.0.norm.weight", "layers.0.mixer.A_b_log",
                  "layers.0.mixer.D_b", "layers.0.mixer.conv1d_b.bias",
                  "layers.0.mixer.x_proj_b.weight", "layers.0.mixer.dt_proj_b.bias",
                  "layers.0.mixer.in_proj.weight", "layers.0.mixer.out_proj.weight"]:
            self.assertIn(n, names)
        names = set(mamba2.Mamba2LMHeadModel(mamba2.Mamba2Config(
            d_model=32, n_layer=1, d_state=4, headdim=16, vocab_size=20)).state_dict())
        self.assertEqual(names, {
            "backbone.embedding.weight", "backbone.norm_f.weight", "lm_head.weight",
            "backbone.layers.0.norm.weight"} | {"backbone.layers.0.mixer." + k for k in [
                "in_proj.weight", "conv1d.weight", "conv1d.bias", "dt_bias", "A_log", "D",
                "norm.weight", "out_proj.weight"]})


class StructureTest(unittest.TestCase):
    def test_class_token_in_the_middle(self):
        self.assertEqual(vim.VimConfig().cls_index, 98)  # 196 patches
        cfg = vim.VimConfig(img_h=160, img_w=224)
        self.assertEqual((cfg.num_patches, cfg.cls_index), (140, 70))

    def test_class_token_position_drives_the_output(self):
        # Only the token at cls_index reaches the head: replacing the cls token must change
        # the logits, and the logits must equal head(norm_f(...)[:, cls_index]).
        torch.manual_seed(0)
        m = vim.VisionMamba(vim.VimConfig(d_model=16, depth=1, patch=4, img_h=8, img_w=12,
                                          num_classes=5)).eval()
        x = torch.randn(2, 3, 8, 12)
        with torch.no_grad():
            a = m(x)
            m.cls_token.add_(1.0)
            self.assertGreater((m(x) - a).abs().max().item(), 1e-3)

    def test_bad_configs(self):
        with self.assertRaisesRegex(ValueError, "image 30x32 is not divisible by the patch"):
            vim.VisionMamba(vim.VimConfig(img_h=30, img_w=32, patch=16))
        with self.assertRaisesRegex(ValueError, "heads are not divisible by ngroups"):
            mamba2.Mamba2Config(d_model=64, headdim=32, ngroups=3).validate()

    def test_gated_norm_groups(self):
        torch.manual_seed(1)
        cfg = mamba2.Mamba2Config(d_model=16, n_layer=1, d_state=4, headdim=8, ngroups=2,
                                  vocab_size=10)
        mixer = mamba2.Mamba2Mixer(cfg)
        with torch.no_grad():
            mixer.norm.weight.uniform_(0.5, 1.5)
            y, z = torch.randn(2, 3, 32), torch.randn(2, 3, 32)
            t = y * torch.sigmoid(z) * z
            expect = torch.cat([layers.rms_norm(t[..., :16], mixer.norm.weight[:16], 1e-5),
                                layers.rms_norm(t[..., 16:], mixer.norm.weight[16:], 1e-5)], -1)
            torch.testing.assert_close(mixer.gated_norm(y, z), expect)

    def test_outliers_preserve_the_function(self):
        torch.manual_seed(2)
        m = vim.VisionMamba(vim.VimConfig(d_model=16, depth=2, patch=4, img_h=8, img_w=8,
                                          num_classes=5)).eval()
        x = torch.randn(1, 3, 8, 8)
        with torch.no_grad():
            before = m(x)
            channels = m.add_outliers(2, torch.Generator().manual_seed(0))
            after = m(x)
        w = m.layers[0].norm.weight
        self.assertEqual(sorted(torch.nonzero(w.abs() >= 20).flatten().tolist()), channels)
        # Scaling a norm weight by f and the reading column by 1/f is exact in real arithmetic;
        # in float32 each product is rounded once more (~1e-7 relative), far below 1e-4.
        torch.testing.assert_close(after, before, rtol=1e-4, atol=1e-5)


if __name__ == "__main__":
    unittest.main()
