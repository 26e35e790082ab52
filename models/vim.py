"""Vision Mamba (hustvl/Vim, `models_mamba.py`), bidirectional "v2" mixer, middle class token.

Parameter names follow upstream so that `vim_t_midclstok_76p1acc.pth`-style checkpoints load:
patch_embed.proj.*, cls_token, pos_embed, layers.{i}.norm.weight,
layers.{i}.mixer.{in_proj,conv1d,conv1d_b,x_proj,x_proj_b,dt_proj,dt_proj_b,out_proj}.*,
layers.{i}.mixer.{A_log,A_b_log,D,D_b}, norm_f.weight, head.*.
"""
import dataclasses
import math

import torch
from torch import nn

import layers
import vimq_ops


@dataclasses.dataclass
class VimConfig:
    d_model: int = 192
    depth: int = 24
    d_state: int = 16
    expand: int = 2
    d_conv: int = 4
    dt_rank: int = 0          # 0: ceil(d_model / 16), as upstream's "auto"
    patch: int = 16
    img_h: int = 224
    img_w: int = 224
    in_chans: int = 3
    num_classes: int = 1000
    eps: float = 1e-5
    cls_pos: str = "middle"   # where the class token goes: middle (upstream) | head | tail

    def __post_init__(self):
        if self.dt_rank == 0:
            self.dt_rank = math.ceil(self.d_model / 16)

    def validate(self):
        for name in ("d_model", "depth", "d_state", "expand", "d_conv", "dt_rank", "patch",
                     "img_h", "img_w", "in_chans", "num_classes"):
            if getattr(self, name) < 1:
                raise ValueError("%s must be positive, got %d" % (name, getattr(self, name)))
        if self.cls_pos not in ("middle", "head", "tail"):
            raise ValueError("cls_pos must be middle, head or tail, got %r" % self.cls_pos)
        if self.img_h % self.patch or self.img_w % self.patch:
            raise ValueError("image %dx%d is not divisible by the patch size %d" %
                             (self.img_h, self.img_w, self.patch))

    @property
    def d_inner(self):
        return self.expand * self.d_model

    @property
    def num_patches(self):
        return (self.img_h // self.patch) * (self.img_w // self.patch)

    @property
    def cls_index(self):
        """Upstream's middle class token: inserted at num_patches // 2 (196 patches -> 98);
        upstream's use_head_cls_token puts it first; "tail" puts it last."""
        return {"middle": self.num_patches // 2, "head": 0,
                "tail": self.num_patches}[self.cls_pos]


PRESETS = {
    "vim-tiny": dict(d_model=192),
    "vim-small": dict(d_model=384),
    "vim-base": dict(d_model=768),
}


class PatchEmbed(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.proj = nn.Conv2d(cfg.in_chans, cfg.d_model, cfg.patch, stride=cfg.patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # [B, Hp*Wp, D], token i*Wp + j


class BiMambaMixer(nn.Module):
    """Mamba with bimamba_type="v2" and if_devide_out=True: shared in_proj/out_proj, one branch
    on the sequence and one on the flipped sequence, averaged."""

    def __init__(self, cfg):
        super().__init__()
        d_inner, n = cfg.d_inner, cfg.d_state
        self.dt_rank = cfg.dt_rank
        self.d_state = n
        self.in_proj = nn.Linear(cfg.d_model, 2 * d_inner, bias=False)
        self.out_proj = nn.Linear(d_inner, cfg.d_model, bias=False)
        # Upstream's S4D-real initialisation: A[d, n] = -(n + 1).
        a_log = torch.log(torch.arange(1, n + 1, dtype=torch.float32)).repeat(d_inner, 1)
        for sfx in ("", "_b"):
            setattr(self, "conv1d" + sfx, layers.depthwise_conv(d_inner, cfg.d_conv))
            setattr(self, "x_proj" + sfx, nn.Linear(d_inner, cfg.dt_rank + 2 * n, bias=False))
            dt_proj = nn.Linear(cfg.dt_rank, d_inner, bias=True)
            std = cfg.dt_rank ** -0.5
            nn.init.uniform_(dt_proj.weight, -std, std)
            with torch.no_grad():
                dt_proj.bias.copy_(layers.init_dt_bias(d_inner))
            setattr(self, "dt_proj" + sfx, dt_proj)
        # Parameter names are upstream's (A_log, A_b_log, D, D_b), hence no loop for these.
        self.A_log = nn.Parameter(a_log.clone())
        self.A_b_log = nn.Parameter(a_log.clone())
        self.D = nn.Parameter(torch.ones(d_inner))
        self.D_b = nn.Parameter(torch.ones(d_inner))

    def _branch(self, x, z, conv, x_proj, dt_proj, a_log, d_skip):
        """One direction of mamba_inner_fn_no_out_proj, token-major: x, z [B,L,E]."""
        u = layers.silu(layers.causal_conv1d(x, conv))
        dt, b, c = torch.split(x_proj(u), [self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = nn.functional.softplus(dt_proj(dt))
        y = vimq_ops.selective_scan(u, delta, -torch.exp(a_log), b, c, d_skip)
        return y * layers.silu(z)

    def forward(self, hidden):
        xz = self.in_proj(hidden)                     # [B, L, 2E]
        # split with explicit sizes, not chunk: chunk exports as shape arithmetic + Slice.
        halves = [xz.shape[-1] // 2] * 2
        x, z = torch.split(xz, halves, dim=-1)
        y_f = self._branch(x, z, self.conv1d, self.x_proj, self.dt_proj, self.A_log, self.D)
        xz_b = xz.flip([1])
        x_b, z_b = torch.split(xz_b, halves, dim=-1)
        y_b = self._branch(x_b, z_b, self.conv1d_b, self.x_proj_b, self.dt_proj_b, self.A_b_log,
                           self.D_b)
        return self.out_proj((y_f + y_b.flip([1])) / 2)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.mixer = BiMambaMixer(cfg)
        self.norm = layers.RMSNorm(cfg.d_model, cfg.eps)

    def forward(self, hidden, residual):
        # Upstream's fused add+norm with the residual kept in FP32, written plainly.
        residual = hidden if residual is None else residual + hidden
        return self.mixer(self.norm(residual)), residual


class VisionMamba(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.patch_embed = PatchEmbed(cfg)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, cfg.d_model))
        self.pos_embed = nn.Parameter(torch.zeros(1, cfg.num_patches + 1, cfg.d_model))
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.depth))
        self.norm_f = layers.RMSNorm(cfg.d_model, cfg.eps)
        self.head = nn.Linear(cfg.d_model, cfg.num_classes)
        self._init_weights()

    def _init_weights(self):
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)
        for block in self.layers:
            layers.scale_residual_projection(block.mixer.out_proj, self.cfg.depth)

    def add_outliers(self, count, generator):
        """`count` channels of every mixer's in_proj input (and of the head's input) 20-100x
        larger: see layers.add_outliers."""
        channels, factors = layers.outlier_plan(self.cfg.d_model, count, generator)
        layers.add_outliers([b.norm for b in self.layers] + [self.norm_f],
                       [b.mixer.in_proj for b in self.layers] + [self.head], channels, factors)
        return channels

    def forward(self, image):
        x = self.patch_embed(image)
        idx = self.cfg.cls_index
        cls = self.cls_token.expand(x.shape[0], -1, -1)  # as upstream
        if self.cfg.cls_pos == "head":
            x = torch.cat((cls, x), dim=1)  # upstream's use_head_cls_token form
        else:
            # The generic insert (upstream's middle token); at the tail x[:, idx:] is empty,
            # which the export keeps as an empty Slice feeding the Concat.
            x = torch.cat([x[:, :idx], cls, x[:, idx:]], dim=1)
        x = x + self.pos_embed
        hidden, residual = x, None
        for block in self.layers:
            hidden, residual = block(hidden, residual)
        hidden = self.norm_f(residual + hidden)
        return self.head(hidden[:, idx, :])
