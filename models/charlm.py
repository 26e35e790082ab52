"""The character-level Mamba2 language model on real English prose (docs/models.md, "Character
language model"): corpus, split, vocabulary, evaluation windows, unigram baseline, the model
configurations, and the faster training kernels. Shared by train_charlm.py and perplexity.py.

Corpus: the license texts of Debian's `base-files` package (Essential: on every Debian machine),
/usr/share/common-licenses, read at run time, never downloaded. Regular files only (GPL, LGPL and
GFDL are symlinks to versions that are listed anyway). Fixed split: Apache-2.0 is held out (a
text with no near-duplicate among the others, unlike LGPL-2 / LGPL-2.1 or GFDL-1.2 / GFDL-1.3);
the other 13 texts, concatenated in the order of TRAIN_FILES, are the training stream. Each
file's SHA-256 is pinned (base-files 12.4+deb12u11, Debian 12): another version of the texts is
an error unless explicitly allowed, so that "the same corpus" means the same bytes.

Vocabulary (96 tokens, a multiple of 16, so Mamba2's vocabulary padding adds no rows): index 0
is newline, indices 1..95 are the printable ASCII characters ' ' (32) .. '~' (126) in code order
(index = code - 31). Any other byte maps to the space token; in this corpus that is only tab (in
Artistic) and form feed (page breaks in GPL-1, LGPL-2, LGPL-2.1).
"""
import contextlib
import hashlib
import math
import os
import types

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import mamba2
import vimq_ops

CORPUS_DIR = "/usr/share/common-licenses"
CORPUS_PACKAGE = "base-files"
# file name -> SHA-256 of its bytes (base-files 12.4+deb12u11).
CORPUS_SHA256 = {
    "Apache-2.0": "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
    "Artistic": "b7fd9b73ea99602016a326e0b62e6646060d18febdd065ceca8bb482208c3d88",
    "BSD": "5d588eb3b157d52112afea935c88a7ff9efddc1e2d95a42c25d3b96ad9055008",
    "CC0-1.0": "a2010f343487d3f7618affe54f789f5487602331c0a8d03f49e9a7c547cf0499",
    "GFDL-1.2": "d8e94ae5fdb5433fcae2961aeb1a8cf17174d6f4a0465d24bf37dd8a038bd439",
    "GFDL-1.3": "110535522396708cea37c72a802c5e7e81391139f5f7985631c93ef242b206a4",
    "GPL-1": "d77d235e41d54594865151f4751e835c5a82322b0e87ace266567c3391a4b912",
    "GPL-2": "8177f97513213526df2cf6184d8ff986c675afb514d4e68a404010521b880643",
    "GPL-3": "3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986",
    "LGPL-2": "681e386e44a19d7d0674b4320272c90e66b6610b741e7e6305f8219c42e85366",
    "LGPL-2.1": "dc626520dcd53a22f727af3ee42c770e56c97a64fe3adb063799d8ab032fe551",
    "LGPL-3": "e3a994d82e644b03a792a930f574002658412f62407f5fee083f2555c5f23118",
    "MPL-1.1": "f849fc26a7a99981611a3a370e83078deb617d12a45776d6c4cada4d338be469",
    "MPL-2.0": "fab3dd6bdab226f1c08630b1dd917e11fcb4ec5e1e020e2c16f83a0a13863e85",
}
HELDOUT_FILES = ("Apache-2.0",)
TRAIN_FILES = tuple(sorted(n for n in CORPUS_SHA256 if n not in HELDOUT_FILES))

VOCAB_CHARS = "\n" + "".join(chr(c) for c in range(32, 127))
VOCAB = len(VOCAB_CHARS)  # 96
SPACE = VOCAB_CHARS.index(" ")
_TABLE = np.full(256, SPACE, dtype=np.int64)
for _i, _c in enumerate(VOCAB_CHARS):
    _TABLE[ord(_c)] = _i

# Model configurations (Mamba2Config fields: the presets mamba2-charlm / mamba2-charlm-tiny of
# mamba2.py, which export.py offers) and training settings of train_charlm.py.
CONFIGS = {
    "full": dict(preset="mamba2-charlm",
                 train=dict(seq=128, batch=32, epochs=4, lr=5e-3, warmup=20, weight_decay=0.1,
                            seed=0)),
    "tiny": dict(preset="mamba2-charlm-tiny",
                 train=dict(seq=64, batch=32, epochs=1, max_steps=60, lr=1e-2, warmup=10,
                            weight_decay=0.1, seed=0)),
}
for _c in CONFIGS.values():
    _c["model"] = dict(mamba2.PRESETS[_c["preset"]], expand=2, ngroups=1, d_conv=4)
    assert _c["model"]["vocab_size"] == VOCAB
EVAL_SEQ = 128  # train_charlm.py's evaluation window; also the documented export's L


class CorpusError(Exception):
    pass


# --- corpus, vocabulary, windows --------------------------------------------------------------

def encode(data):
    """bytes (or str, as UTF-8) -> int64 token ids through the fixed table."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return _TABLE[np.frombuffer(data, dtype=np.uint8)]


def decode(ids):
    return "".join(VOCAB_CHARS[int(i)] for i in ids)


def read_file(name, corpus_dir=CORPUS_DIR, check=True):
    path = os.path.join(corpus_dir, name)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CorpusError("%s: cannot read (%s); the corpus is Debian's %s package" %
                          (path, e.strerror, CORPUS_PACKAGE))
    if check and hashlib.sha256(data).hexdigest() != CORPUS_SHA256[name]:
        raise CorpusError("%s: not the pinned text (SHA-256 differs from %s %s); results would "
                          "not match docs/models.md (--any-corpus to use it anyway)" %
                          (path, CORPUS_PACKAGE, "12.4+deb12u11"))
    return data


def load_split(corpus_dir=CORPUS_DIR, check=True):
    """(train ids, held-out ids) as int64 arrays."""
    train = b"".join(read_file(n, corpus_dir, check) for n in TRAIN_FILES)
    held = b"".join(read_file(n, corpus_dir, check) for n in HELDOUT_FILES)
    return encode(train), encode(held)


def windows(ids, length):
    """Non-overlapping windows [N, length] from offset 0; the tail shorter than `length` is
    dropped. Each window is scored on positions 1..length-1 (N*(length-1) predictions), each
    prediction seeing only the earlier tokens of its own window (no state carried over)."""
    n = len(ids) // length
    if n == 0:
        raise CorpusError("the text (%d tokens) is shorter than one window of %d" %
                          (len(ids), length))
    return np.ascontiguousarray(ids[:n * length].reshape(n, length))


def batches(wins, batch):
    """Splits windows [N, L] into [batch, L] arrays; the last one is padded with copies of
    window 0. Returns [(array, number of real rows)]."""
    out = []
    for start in range(0, len(wins), batch):
        part = wins[start:start + batch]
        real = len(part)
        if real < batch:
            part = np.concatenate([part, np.repeat(wins[:1], batch - real, axis=0)])
        out.append((np.ascontiguousarray(part, dtype=np.int64), real))
    return out


def nll_sum(logits, ids):
    """Summed next-token negative log-likelihood (nats, float64) and the number of predictions:
    logits [B, L, V'] predicts ids[:, 1:] from positions 0..L-2; only the first VOCAB logits
    take part (V' > VOCAB would be padding rows)."""
    logits = np.asarray(logits, dtype=np.float64)[:, :-1, :VOCAB]
    if logits.shape[-1] != VOCAB:
        raise ValueError("logits have %d entries per token, the vocabulary has %d" %
                         (logits.shape[-1], VOCAB))
    m = logits.max(axis=-1, keepdims=True)
    logz = m[..., 0] + np.log(np.exp(logits - m).sum(axis=-1))
    target = np.take_along_axis(logits, ids[:, 1:, None], axis=-1)[..., 0]
    return float(np.sum(logz - target)), int(target.size)


def unigram_logprobs(train_ids):
    """Add-one smoothed character frequencies of the training stream (log, float64)."""
    counts = np.bincount(train_ids, minlength=VOCAB).astype(np.float64) + 1.0
    return np.log(counts / counts.sum())


def unigram_perplexity(train_ids, wins):
    """Perplexity of the unigram model on the same predictions as the LM (positions 1.. of each
    window)."""
    lp = unigram_logprobs(train_ids)
    return math.exp(-float(np.mean(lp[wins[:, 1:]])))


# --- the model ---------------------------------------------------------------------------------

def model_config(name="full", **override):
    cfg = dict(CONFIGS[name]["model"])
    cfg.update(override)
    return mamba2.Mamba2Config(**cfg)


def state_digest(state):
    """SHA-256 over the names, shapes and float32 bytes of a state dict (sorted by name): the
    figure that says two checkpoints hold the same weights bit for bit."""
    h = hashlib.sha256()
    for k in sorted(state):
        v = state[k].detach().contiguous().to(torch.float32).numpy()
        h.update(k.encode() + repr(v.shape).encode() + v.tobytes())
    return h.hexdigest()


def trained_state(model):
    """The model's state dict in upstream names without the tied lm_head.weight (checkpoint
    loading accepts it absent), as independent tensors."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()
            if k != "lm_head.weight"}


@torch.no_grad()
def torch_logits(model, ids):
    """The reference forward (the model's own, token loop scan) on int64 [B, L] ids."""
    return model(torch.from_numpy(np.ascontiguousarray(ids, dtype=np.int64))).numpy()


# --- faster kernels for training ---------------------------------------------------------------
#
# Debian's torch links the reference (netlib) BLAS: a float32 GEMM runs at ~4 GFLOP/s on these
# machines, while the oneDNN GEMM that the same torch ships runs at ~60-100 GFLOP/s. Training
# therefore routes the linears through oneDNN and evaluates the SSD scan chunk-wise (quadratic
# within a chunk of CHUNK tokens, recurrent across chunks; Mamba2's "SSD" algorithm). Both are
# the same functions as the model's own forward up to float32 rounding (tests/models/
# test_charlm.py bounds it); evaluation and export always use the model's own forward.

CHUNK = 16


def _mk(a, b):
    """a [M, K] @ b[N, K]^T through oneDNN."""
    return torch._C._nn.mkldnn_linear(a.contiguous().to_mkldnn(), b.contiguous().to_mkldnn(),
                                      None).to_dense()


class _OneDnnLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return _mk(x.reshape(-1, x.shape[-1]), w).reshape(*x.shape[:-1], w.shape[0])

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        g = grad.reshape(-1, grad.shape[-1])
        gx = _mk(g, w.t()).reshape(x.shape)
        gw = _mk(g.t(), x.reshape(-1, x.shape[-1]).t())
        return gx, gw


def _fast_linear_forward(self, x):
    out = _OneDnnLinear.apply(x, self.weight)
    return out if self.bias is None else out + self.bias


def ssd_scan_chunked(x, dt, A, B, C, D, chunk=CHUNK):
    """vimq_ops.ssd_scan_ref computed chunk by chunk: within a chunk, y_t = sum_{j<=t}
    exp(s_t - s_j) dt_j (C_t . B_j) x_j with s the cumulative sum of dt*A, plus the carried
    state's contribution exp(s_t) S C_t; the state then moves to the chunk's end. Differentiable
    and much faster than the token loop in autograd."""
    b, length, h, p = x.shape
    g, n = B.shape[2], B.shape[3]
    q = h // g * p  # channels per group: heads g*(h/g) .. (g+1)*(h/g)-1 read group g
    state = x.new_zeros(b, g, q, n)  # S[b, h, p, n] grouped
    ys = []
    # split, not slicing in the loop: the backward of a slice is a full-size zero tensor
    for xs, dts, bs, cs in zip(x.split(chunk, 1), dt.split(chunk, 1), B.split(chunk, 1),
                               C.split(chunk, 1)):
        c = xs.shape[1]
        s = torch.cumsum(dts * A, dim=1).transpose(1, 2)  # [b, h, c]
        causal = torch.ones(c, c, dtype=torch.bool).tril()
        decay = torch.exp((s[:, :, :, None] - s[:, :, None, :]).masked_fill(~causal,
                                                                            float("-inf")))
        cb = torch.einsum("btgn,bjgn->bgtj", cs, bs).repeat_interleave(h // g, dim=1)
        m = decay * cb * dts.transpose(1, 2)[:, :, None, :]  # [b, h, t, j]
        y = torch.einsum("bhtj,bjhp->bthp", m, xs)
        carried = torch.einsum("bgqn,btgn->btgq", state, cs).reshape(b, c, h, p)
        ys.append(y + carried * torch.exp(s).transpose(1, 2)[..., None])
        w = (torch.exp(s[:, :, -1:] - s) * dts.transpose(1, 2)).transpose(1, 2)  # [b, c, h]
        xw = (xs * w[..., None]).reshape(b, c, g, q)
        decay_end = torch.exp(s[:, :, -1]).reshape(b, g, h // g, 1, 1)
        state = ((state.reshape(b, g, h // g, p, n) * decay_end).reshape(b, g, q, n) +
                 torch.einsum("bjgq,bjgn->bgqn", xw, bs))
    return torch.cat(ys, dim=1) + x * D[:, None]


def onednn_available():
    return torch.backends.mkldnn.is_available()


@contextlib.contextmanager
def fast_kernels(model, fast=True):
    """Within the block, `model`'s linears use the oneDNN GEMM (if this torch has oneDNN) and
    every Mamba2 mixer uses ssd_scan_chunked. fast=False keeps the plain linears and scans with
    vimq_ops.ssd_scan_ref directly: the model's own forward, made differentiable (the export
    Function behind vimq_ops.ssd_scan has no backward)."""
    patched = []
    if fast and onednn_available():
        for mod in model.modules():
            if isinstance(mod, nn.Linear):
                mod.forward = types.MethodType(_fast_linear_forward, mod)
                patched.append(mod)
    saved = vimq_ops.ssd_scan
    vimq_ops.ssd_scan = ssd_scan_chunked if fast else vimq_ops.ssd_scan_ref
    try:
        yield
    finally:
        vimq_ops.ssd_scan = saved
        for mod in patched:
            del mod.forward


def loss_fn(model, ids):
    """Mean next-token cross-entropy of int64 ids [B, L+1] (inputs ids[:, :-1])."""
    logits = model(ids[:, :-1])
    return F.cross_entropy(logits[..., :VOCAB].reshape(-1, VOCAB), ids[:, 1:].reshape(-1))
