"""Loading upstream-style checkpoints into the reference models.

Accepted layouts:
  * hustvl/Vim `.pth`: a dict with the state dict under "model" (training checkpoints also
    carry optimizer/epoch entries, which are ignored);
  * a bare state dict (`torch.save(model.state_dict())`), e.g. HF-style `pytorch_model.bin` of
    state-spaces/mamba2-*;
  * a dict with the state dict under "state_dict";
  * any of these saved from a `torch.nn.DataParallel` / DistributedDataParallel wrapper, whose
    keys all start with "module." (the prefix is removed).
Every mismatch is reported in one line naming the file and the first offending keys.
"""
import os

import torch


class CheckpointError(Exception):
    pass


def _preview(keys, limit=4):
    keys = sorted(keys)
    more = "" if len(keys) <= limit else " (+%d more)" % (len(keys) - limit)
    return ", ".join(keys[:limit]) + more


def read_state_dict(path):
    """Returns the {name: tensor} dict stored in `path` in one of the accepted layouts."""
    if not os.path.isfile(path):
        raise CheckpointError("%s: no such checkpoint file" % path)
    try:
        obj = torch.load(path, map_location="cpu")
    except Exception as e:  # torch raises many types for a corrupt file: report them all alike
        raise CheckpointError("%s: cannot read as a torch checkpoint: %s" %
                              (path, str(e).splitlines()[0] if str(e) else type(e).__name__))
    if isinstance(obj, dict):
        for key in ("model", "state_dict"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict):
        raise CheckpointError("%s: expected a state dict (or a dict with a 'model' entry), got %s"
                              % (path, type(obj).__name__))
    if not obj:
        raise CheckpointError("%s: the state dict is empty" % path)
    bad = [k for k, v in obj.items() if not isinstance(k, str) or not torch.is_tensor(v)]
    if bad:
        raise CheckpointError("%s: entries that are not named tensors: %s" %
                              (path, _preview(map(str, bad))))
    # (Distributed)DataParallel saves every key as "module.<name>": only when all keys carry it,
    # so that a model with a real submodule called "module" is not renamed.
    if all(k.startswith("module.") for k in obj):
        obj = {k[len("module."):]: v for k, v in obj.items()}
    return obj


def load_into(model, state, source="checkpoint", tied=()):
    """Copies `state` into `model`, strictly: any missing, unexpected or mis-shaped key is a
    CheckpointError naming `source`. Keys in `tied` (parameters shared with another one, e.g.
    Mamba2's lm_head.weight) may be absent; when present they must equal their twin's shape."""
    own = model.state_dict()
    missing = [k for k in own if k not in state and k not in tied]
    unexpected = [k for k in state if k not in own]
    if missing:
        raise CheckpointError("%s: missing keys: %s" % (source, _preview(missing)))
    if unexpected:
        raise CheckpointError("%s: unexpected keys: %s" % (source, _preview(unexpected)))
    for k, v in state.items():
        if tuple(v.shape) != tuple(own[k].shape):
            raise CheckpointError("%s: %s has shape %s, the model expects %s" %
                                  (source, k, list(v.shape), list(own[k].shape)))
        if not v.is_floating_point():
            raise CheckpointError("%s: %s has dtype %s, expected a floating-point tensor" %
                                  (source, k, v.dtype))
    with torch.no_grad():
        for k, v in state.items():
            own[k].copy_(v.to(own[k].dtype))
    return model


def resize_vim_pos_embed(state, num_patches_hw, source="checkpoint"):
    """Adapts a ViM checkpoint's `pos_embed` to another patch grid (another image size), as
    fine-tuning at a new resolution does: the class token's entry (middle index) is kept, the
    patch entries are resampled bicubically from the checkpoint's grid, assumed square (upstream
    trains at 224x224), to (Hp, Wp). Returns True if it changed anything."""
    pos = state.get("pos_embed")
    hp, wp = num_patches_hw
    if pos is None or pos.dim() != 3 or pos.shape[1] == hp * wp + 1:
        return False
    old = pos.shape[1] - 1
    side = int(round(old ** 0.5))
    if side * side != old:
        raise CheckpointError("%s: pos_embed has %d patch positions, not a square grid; cannot "
                              "resize it to %dx%d patches" % (source, old, hp, wp))
    mid = old // 2
    cls = pos[:, mid:mid + 1]
    grid = torch.cat([pos[:, :mid], pos[:, mid + 1:]], dim=1)
    grid = grid.reshape(1, side, side, -1).permute(0, 3, 1, 2)
    grid = torch.nn.functional.interpolate(grid.float(), size=(hp, wp), mode="bicubic",
                                           align_corners=False)
    grid = grid.permute(0, 2, 3, 1).reshape(1, hp * wp, -1).to(pos.dtype)
    new_mid = (hp * wp) // 2
    state["pos_embed"] = torch.cat([grid[:, :new_mid], cls, grid[:, new_mid:]], dim=1)
    return True


def load_checkpoint(model, path):
    """Reads `path` and loads it into `model` (a VisionMamba or a Mamba2LMHeadModel)."""
    tied = ("lm_head.weight",) if hasattr(model, "lm_head") else ()
    return load_into(model, read_state_dict(path), source=path, tied=tied)


def save_checkpoint(model, path, layout="vim"):
    """Writes `model` in an upstream layout: "vim" = {"model": state_dict} (hustvl/Vim),
    "hf" = bare state dict (pytorch_model.bin). Used by tests and to make fixtures."""
    state = {k: v.clone() for k, v in model.state_dict().items()}
    torch.save({"model": state} if layout == "vim" else state, path)
