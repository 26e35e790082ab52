"""The character LM (models/charlm.py, train_charlm.py, perplexity.py; docs/models.md,
"Character language model"): corpus, split and vocabulary; the training kernels against the
model's own forward; and the committed checkpoint exported to ONNX, whose perplexity under ONNX
Runtime must match the PyTorch model's on the same held-out windows and beat the unigram model.
"""
import json
import math
import os
import tempfile
import unittest

import numpy as np
import torch

import helpers
import charlm  # noqa: E402  (models/, put on sys.path by helpers)
import mamba2  # noqa: E402
import vimq_ops  # noqa: E402

CHECKPOINT = os.path.join(helpers.MODELS, "fixtures", "charlm.pt")
PPL = os.path.join(helpers.MODELS, "perplexity.py")

# ORT vs PyTorch perplexity, relative. Both run the same float32 weights but sum in different
# orders (ORT's MLAS GEMMs and its Scan loop vs torch's), so the logits differ by a few ulp
# (~1e-6 relative; models_export_ort bounds them by 1e-4). Perplexity is exp(mean NLL) and an
# absolute logit error d moves each log-softmax by at most 2d: with |logits| <= 13 (measured on
# the held-out windows) and 1e-5 relative error that is <= 2.6e-4 in the worst case, and the
# errors of 11k predictions average out (measured: 1.2e-8). 1e-3 keeps margin for that, yet
# an FP32 path with a real bug (a wrong op, a wrong window or an off-by-one target) is off by
# O(1), and the quantized schemes move this model's perplexity by +0.8% (fastmamba) to +2.5%
# (vimq) -- so the bound also tells FP32 from quantized.
PPL_TOL = 1e-3


class CorpusTest(unittest.TestCase):
    def test_pinned_split(self):
        train, held = charlm.load_split()
        self.assertEqual(len(train), 225962)
        self.assertEqual(len(held), 11358)
        self.assertNotIn("Apache-2.0", charlm.TRAIN_FILES)
        self.assertEqual(len(charlm.TRAIN_FILES), 13)
        self.assertEqual(charlm.decode(held[:15]), "\n" + " " * 14)

    def test_vocabulary(self):
        self.assertEqual(charlm.VOCAB, 96)
        self.assertEqual(charlm.VOCAB % 16, 0)  # no padding rows in Mamba2's embedding
        text = "Hello, World!\n~ {x}"
        ids = charlm.encode(text)
        self.assertEqual(ids.dtype, np.int64)
        self.assertEqual(charlm.decode(ids), text)
        self.assertEqual(list(charlm.encode("\n !~")), [0, 1, 2, 95])
        # tab, form feed and non-ASCII bytes become the space token
        self.assertEqual(list(charlm.encode(b"\t\x0c\xe9")), [charlm.SPACE] * 3)

    def test_corpus_hash_is_checked(self):
        with tempfile.TemporaryDirectory() as d:
            for name in charlm.CORPUS_SHA256:
                with open(os.path.join(d, name), "wb") as f:
                    f.write(b"not the license\n")
            with self.assertRaisesRegex(charlm.CorpusError, "not the pinned text"):
                charlm.load_split(d)
            train, held = charlm.load_split(d, check=False)
            self.assertEqual(len(held), 16)

    def test_windows_batches_and_nll(self):
        ids = np.arange(23) % charlm.VOCAB
        wins = charlm.windows(ids, 5)
        self.assertEqual(wins.shape, (4, 5))  # tail of 3 dropped
        parts = charlm.batches(wins, 3)
        self.assertEqual([real for _, real in parts], [3, 1])
        np.testing.assert_array_equal(parts[1][0][1:], np.repeat(wins[:1], 2, axis=0))
        logits = np.random.default_rng(0).standard_normal((3, 5, charlm.VOCAB + 16))
        total, count = charlm.nll_sum(logits.astype(np.float32), parts[0][0])
        ref = torch.nn.functional.cross_entropy(
            torch.from_numpy(logits[:, :-1, :charlm.VOCAB]).reshape(-1, charlm.VOCAB),
            torch.from_numpy(parts[0][0][:, 1:]).reshape(-1), reduction="sum")
        self.assertEqual(count, 12)
        self.assertAlmostEqual(total, float(ref), places=4)
        with self.assertRaises(charlm.CorpusError):
            charlm.windows(ids[:4], 5)

    def test_presets(self):
        for name, params in (("full", 231472), ("tiny", 61976)):
            cfg = charlm.model_config(name)
            self.assertEqual((cfg.vocab_size, cfg.padded_vocab), (96, 96))
            model = mamba2.Mamba2LMHeadModel(cfg)
            self.assertEqual(sum(p.numel() for p in model.parameters()), params, name)
            self.assertEqual(charlm.CONFIGS[name]["model"],
                             dict(mamba2.PRESETS[charlm.CONFIGS[name]["preset"]], expand=2,
                                  ngroups=1, d_conv=4))

    def test_unigram(self):
        train = np.array([1, 1, 1, 2])
        lp = charlm.unigram_logprobs(train)
        self.assertAlmostEqual(math.exp(lp[1]), 4 / 100)
        wins = np.array([[0, 1, 2]])
        self.assertAlmostEqual(charlm.unigram_perplexity(train, wins),
                               math.exp(-(lp[1] + lp[2]) / 2))


class TrainingKernelTest(unittest.TestCase):
    """The kernels train_charlm.py trains with compute the model's own function."""

    def test_chunked_scan_matches_the_loop(self):
        g = torch.Generator().manual_seed(0)
        b, length, h, p, groups, n = 2, 37, 6, 5, 3, 4
        x = torch.randn(b, length, h, p, generator=g, dtype=torch.float64)
        dt = torch.rand(b, length, h, generator=g, dtype=torch.float64)
        a = -torch.rand(h, generator=g, dtype=torch.float64) * 8
        bb = torch.randn(b, length, groups, n, generator=g, dtype=torch.float64)
        cc = torch.randn(b, length, groups, n, generator=g, dtype=torch.float64)
        d = torch.randn(h, generator=g, dtype=torch.float64)
        ref = vimq_ops.ssd_scan_ref(x, dt, a, bb, cc, d)
        for chunk in (1, 5, 16, 64):
            got = charlm.ssd_scan_chunked(x, dt, a, bb, cc, d, chunk=chunk)
            self.assertLess(float((got - ref).abs().max()), 1e-12 * float(ref.abs().max()) + 1e-12,
                            "chunk %d" % chunk)
        # and the gradients
        args = [t.clone().requires_grad_() for t in (x, dt, a, bb, cc, d)]
        vimq_ops.ssd_scan_ref(*args).square().sum().backward()
        ref_grads = [t.grad for t in args]
        args = [t.clone().requires_grad_() for t in (x, dt, a, bb, cc, d)]
        charlm.ssd_scan_chunked(*args, chunk=8).square().sum().backward()
        for r, t in zip(ref_grads, args):
            self.assertLess(float((t.grad - r).abs().max()), 1e-9 * float(r.abs().max()))

    def test_fast_forward_matches_the_model(self):
        torch.manual_seed(1)
        model = mamba2.Mamba2LMHeadModel(charlm.model_config("tiny")).eval()
        ids = torch.randint(0, charlm.VOCAB, (3, 50))
        with torch.no_grad():
            ref = model(ids)
            with charlm.fast_kernels(model):
                fast = model(ids)
            again = model(ids)  # the patches are gone afterwards
        self.assertLess(helpers.rel_err(fast.numpy(), ref.numpy()), 1e-5)
        self.assertTrue(torch.equal(again, ref))
        self.assertEqual(vimq_ops.ssd_scan.__name__, "ssd_scan")


    def test_gradients_of_both_training_paths_agree(self):
        torch.manual_seed(2)
        model = mamba2.Mamba2LMHeadModel(charlm.model_config("tiny"))
        ids = torch.randint(0, charlm.VOCAB, (2, 21))
        grads = []
        for fast in (False, True):  # --reference-kernels, then the default
            model.zero_grad()
            with charlm.fast_kernels(model, fast=fast):
                charlm.loss_fn(model, ids).backward()
            grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
        self.assertLess(helpers.rel_err(grads[1].numpy(), grads[0].numpy()), 1e-4)


class CommittedCheckpointTest(unittest.TestCase):
    """models/fixtures/charlm.pt (made by train_charlm.py, docs/models.md) exported to ONNX:
    perplexity under ONNX Runtime == under PyTorch, both far below the unigram model."""

    def test_ort_perplexity_matches_torch(self):
        meta = torch.load(CHECKPOINT)["charlm"]
        with tempfile.TemporaryDirectory() as d:
            onnx_path = os.path.join(d, "charlm.onnx")
            rc, out, err = helpers.export(["mamba2-charlm", "--checkpoint", CHECKPOINT, "--seq",
                                           str(charlm.EVAL_SEQ), "--batch", "8", "-o", onnx_path])
            self.assertEqual(rc, 0, err)
            report = os.path.join(d, "ppl.json")
            rc, out, err = helpers.run([helpers.PY, PPL, onnx_path, "--runner", "ort",
                                        "--runner", "torch:" + CHECKPOINT, "--json", report])
            self.assertEqual(rc, 0, out + err)
            with open(report) as f:
                r = json.load(f)
        ort, tch = r["results"]
        self.assertEqual((r["windows"], r["predictions"], r["batch"]), (88, 88 * 127, 8))
        self.assertLess(abs(ort["ppl"] / tch["ppl"] - 1), PPL_TOL, (ort, tch))
        # The windows and the forward are those train_charlm.py measured (its batch was 32, so
        # GEMM blocking may differ by an ulp): the recorded held-out figure comes back.
        self.assertLess(abs(tch["ppl"] / meta["final"]["heldout_ppl"] - 1), 1e-5)
        self.assertLess(ort["ppl"], 0.5 * r["unigram_ppl"])
        self.assertIn("vs baseline", out)

    def test_perplexity_cli_errors(self):
        rc, out, err = helpers.run([helpers.PY, PPL, "x.onnx", "--runner", "bogus"])
        self.assertEqual(rc, 2)
        self.assertIn("unknown runner 'bogus'", err)
        fixture = os.path.join(helpers.MODELS, "fixtures", "mamba2-small", "model.onnx")
        rc, out, err = helpers.run([helpers.PY, PPL, fixture])
        self.assertEqual(rc, 1)
        self.assertIn("not a character LM", out + err)  # its vocabulary is 64


if __name__ == "__main__":
    unittest.main()
