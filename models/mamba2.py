"""Mamba2 language model (state-spaces/mamba: modules/mamba2.py, models/mixer_seq_simple.py).

Parameter names follow upstream so that `state-spaces/mamba2-*` `pytorch_model.bin` files load:
backbone.embedding.weight, backbone.layers.{i}.norm.weight,
backbone.layers.{i}.mixer.{in_proj.weight, conv1d.weight, conv1d.bias, dt_bias, A_log, D,
norm.weight, out_proj.weight}, backbone.norm_f.weight, lm_head.weight (tied to the embedding).
No MLP (d_intermediate = 0), as in the released Mamba2 checkpoints.
"""
import dataclasses

import torch
from torch import nn

import layers
import vimq_ops


@dataclasses.dataclass
class Mamba2Config:
    d_model: int = 768
    n_layer: int = 24
    d_state: int = 128
    headdim: int = 64
    expand: int = 2
    ngroups: int = 1
    d_conv: int = 4
    vocab_size: int = 50277
    pad_vocab_size_multiple: int = 16
    eps: float = 1e-5

    def validate(self):
        for name in ("d_model", "n_layer", "d_state", "headdim", "expand", "ngroups", "d_conv",
                     "vocab_size", "pad_vocab_size_multiple"):
            if getattr(self, name) < 1:
                raise ValueError("%s must be positive, got %d" % (name, getattr(self, name)))
        if self.d_inner % self.headdim:
            raise ValueError("d_inner %d (expand x d_model) is not divisible by headdim %d" %
                             (self.d_inner, self.headdim))
        if self.nheads % self.ngroups:
            raise ValueError("%d heads are not divisible by ngroups %d" %
                             (self.nheads, self.ngroups))

    @property
    def d_inner(self):
        return self.expand * self.d_model

    @property
    def nheads(self):
        return self.d_inner // self.headdim

    @property
    def padded_vocab(self):
        m = self.pad_vocab_size_multiple
        return (self.vocab_size + m - 1) // m * m


PRESETS = {
    "mamba2-130m": dict(d_model=768, n_layer=24),
    "mamba2-370m": dict(d_model=1024, n_layer=48),
    "mamba2-780m": dict(d_model=1536, n_layer=48),
    "mamba2-1.3b": dict(d_model=2048, n_layer=48),
    "mamba2-2.7b": dict(d_model=2560, n_layer=64),
    # The character-level LM trained here on Debian's license texts (charlm.py, docs/models.md)
    # and its CI-sized sibling: 96 characters, no padding rows.
    "mamba2-charlm": dict(d_model=128, n_layer=2, d_state=32, headdim=32, vocab_size=96),
    "mamba2-charlm-tiny": dict(d_model=64, n_layer=2, d_state=16, headdim=32, vocab_size=96),
}


class Mamba2Mixer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        d_inner, ng, n, h = cfg.d_inner, cfg.ngroups, cfg.d_state, cfg.nheads
        self.conv_dim = d_inner + 2 * ng * n
        self.in_proj = nn.Linear(cfg.d_model, 2 * d_inner + 2 * ng * n + h, bias=False)
        self.conv1d = layers.depthwise_conv(self.conv_dim, cfg.d_conv)
        self.dt_bias = nn.Parameter(layers.init_dt_bias(h))
        # Upstream: A uniform in A_init_range = (1, 16), stored as log.
        self.A_log = nn.Parameter(torch.log(torch.empty(h).uniform_(1, 16)))
        self.D = nn.Parameter(torch.ones(h))
        self.norm = layers.RMSNorm(d_inner, cfg.eps)  # only its weight; applied gated below
        self.out_proj = nn.Linear(d_inner, cfg.d_model, bias=False)

    def gated_norm(self, y, z):
        """RMSNormGated(norm_before_gate=False, group_size=d_inner/ngroups):
        rmsnorm(y * silu(z)) * w, normalised per contiguous group of channels."""
        t = y * layers.silu(z)
        ng = self.cfg.ngroups
        if ng == 1:
            return layers.rms_norm(t, self.norm.weight, self.cfg.eps)
        shape = t.shape
        t = t.reshape(*shape[:-1], ng, shape[-1] // ng)
        t = t / torch.sqrt(t.pow(2).mean(-1, keepdim=True) + self.cfg.eps)
        return t.reshape(shape) * self.norm.weight

    def forward(self, u):
        cfg = self.cfg
        batch, length, _ = u.shape
        d_inner, gn = cfg.d_inner, cfg.ngroups * cfg.d_state
        z, xbc, dt = torch.split(self.in_proj(u), [d_inner, self.conv_dim, cfg.nheads], dim=-1)
        xbc = layers.silu(layers.causal_conv1d(xbc, self.conv1d))
        x, b, c = torch.split(xbc, [d_inner, gn, gn], dim=-1)
        dt = nn.functional.softplus(dt + self.dt_bias)
        y = vimq_ops.ssd_scan(x.reshape(batch, length, cfg.nheads, cfg.headdim), dt,
                              -torch.exp(self.A_log),
                              b.reshape(batch, length, cfg.ngroups, cfg.d_state),
                              c.reshape(batch, length, cfg.ngroups, cfg.d_state), self.D)
        y = y.reshape(batch, length, d_inner)
        return self.out_proj(self.gated_norm(y, z))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.norm = layers.RMSNorm(cfg.d_model, cfg.eps)
        self.mixer = Mamba2Mixer(cfg)

    def forward(self, hidden, residual):
        residual = hidden if residual is None else residual + hidden
        return self.mixer(self.norm(residual)), residual


class Backbone(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embedding = nn.Embedding(cfg.padded_vocab, cfg.d_model)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.norm_f = layers.RMSNorm(cfg.d_model, cfg.eps)

    def forward(self, input_ids):
        hidden, residual = self.embedding(input_ids), None
        for block in self.layers:
            hidden, residual = block(hidden, residual)
        return self.norm_f(residual + hidden)


class Mamba2LMHeadModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.backbone = Backbone(cfg)
        self.lm_head = nn.Linear(cfg.d_model, cfg.padded_vocab, bias=False)
        self.lm_head.weight = self.backbone.embedding.weight  # tied, as upstream
        nn.init.normal_(self.backbone.embedding.weight, std=0.02)
        for block in self.backbone.layers:
            layers.scale_residual_projection(block.mixer.out_proj, cfg.n_layer)

    def add_outliers(self, count, generator):
        """`count` channels of every mixer's in_proj input 20-100x larger (layers.add_outliers).
        norm_f is left alone: its reader, lm_head, is tied to the embedding."""
        channels, factors = layers.outlier_plan(self.cfg.d_model, count, generator)
        blocks = self.backbone.layers
        layers.add_outliers([b.norm for b in blocks], [b.mixer.in_proj for b in blocks], channels,
                       factors)
        return channels

    def forward(self, input_ids):
        return self.lm_head(self.backbone(input_ids))
