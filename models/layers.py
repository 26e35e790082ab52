"""Building blocks shared by vim.py and mamba2.py.

Written so that `torch.onnx.export` emits the plain patterns the importer recognises
(docs/models.md, "Torch idioms"): SiLU as Sigmoid·Mul, RMSNorm as Pow/ReduceMean/Add/Sqrt/Div/Mul,
the causal conv as a depthwise Conv with padding K-1 followed by a Slice.
"""
import math

import torch
from torch import nn


def silu(x):
    return x * torch.sigmoid(x)


def rms_norm(x, weight, eps):
    return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return rms_norm(x, self.weight, self.eps)


def causal_conv1d(x_blc, conv):
    """Depthwise causal conv over tokens of x [B,L,C] with an nn.Conv1d(groups=C,
    padding=K-1): the conv pads both ends, keeping the first L outputs makes it causal."""
    length = x_blc.shape[1]
    return conv(x_blc.transpose(1, 2))[..., :length].transpose(1, 2)


def depthwise_conv(channels, kernel):
    return nn.Conv1d(channels, channels, kernel, groups=channels, padding=kernel - 1, bias=True)


def init_dt_bias(n, dt_min=1e-3, dt_max=0.1, dt_floor=1e-4):
    """Upstream's dt initialisation (mamba_simple.py / mamba2.py): dt log-uniform in
    [dt_min, dt_max], returned as softplus⁻¹(dt) so that softplus(bias) = dt at start."""
    dt = torch.exp(torch.rand(n) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
    dt = dt.clamp(min=dt_floor)
    return dt + torch.log(-torch.expm1(-dt))


def scale_residual_projection(linear, n_layer, per_layer=1):
    """Upstream's `rescale_prenorm_residual`: out_proj weights divided by sqrt(residual adds),
    so the residual stream does not grow with depth."""
    nn.init.kaiming_uniform_(linear.weight, a=math.sqrt(5))
    with torch.no_grad():
        linear.weight /= math.sqrt(per_layer * n_layer)


def add_outliers(norms, projections, channels, factors):
    """Gives the inputs of `projections` (Linears reading the outputs of `norms`) a few channels
    with 20-100x larger magnitude, as trained Mamba models have, without changing the function:
    norm weight[c] *= f and projection weight[:, c] /= f. Returns nothing; edits in place."""
    with torch.no_grad():
        for c, f in zip(channels, factors):
            for norm in norms:
                norm.weight[c] *= f
            for proj in projections:
                proj.weight[:, c] /= f


def outlier_plan(dim, count, generator):
    """Which channels become outliers and by how much (seeded; factors in [20, 100])."""
    if count < 0 or count > dim:
        raise ValueError("--outliers %d: must be between 0 and the model width %d" % (count, dim))
    channels = torch.randperm(dim, generator=generator)[:count].tolist()
    factors = (20 + 80 * torch.rand(count, generator=generator)).tolist()
    return sorted(channels), factors
