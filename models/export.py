#!/usr/bin/python3
"""Exports a reference model to the project's ONNX form (docs/models.md).

  python3 models/export.py vim-tiny --img 224 -o vim_tiny.onnx
  python3 models/export.py vim-small --img 160x224 --batch 2 --depth 4 -o v.onnx
  python3 models/export.py mamba2-130m --seq 128 -o m2.onnx --write-inputs in/
Weights are seeded random (upstream initialisation) unless --checkpoint gives upstream weights.
Output files appear complete or not at all.
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import warnings

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint  # noqa: E402
import mamba2  # noqa: E402
import vim  # noqa: E402
import vimq_ops  # noqa: E402

# Above this many bytes of weights the model is saved with external data: a single protobuf
# message cannot exceed 2 GiB, and the graph itself needs some room.
EXTERNAL_DATA_THRESHOLD = int(1.8e9)


class ExportError(Exception):
    pass


def parse_img(text):
    m = re.fullmatch(r"\s*(\d+)\s*(?:[xX]\s*(\d+)\s*)?", text)
    if not m:
        raise argparse.ArgumentTypeError("expected SIZE or HxW, got '%s'" % text)
    h = int(m.group(1))
    return h, int(m.group(2)) if m.group(2) else h


def positive(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a positive integer, got '%s'" % text)
    if v < 1:
        raise argparse.ArgumentTypeError("expected a positive integer, got '%s'" % text)
    return v


def non_negative(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected an integer >= 0, got '%s'" % text)
    if v < 0:
        raise argparse.ArgumentTypeError("expected an integer >= 0, got '%s'" % text)
    return v


def make_parser():
    presets = sorted(vim.PRESETS) + sorted(mamba2.PRESETS)
    p = argparse.ArgumentParser(prog="export.py", description=__doc__.split("\n")[0])
    p.add_argument("model", choices=presets, metavar="MODEL", help=" | ".join(presets))
    p.add_argument("-o", "--output", required=True, help="the .onnx file to write")
    p.add_argument("--batch", type=positive, default=1)
    p.add_argument("--depth", type=positive, help="number of layers")
    p.add_argument("--d-model", type=positive)
    p.add_argument("--d-state", type=positive)
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and the inputs")
    p.add_argument("--outliers", type=non_negative, default=0,
                   help="K channels of the linear inputs 20-100x larger")
    p.add_argument("--checkpoint", help="upstream state dict (.pth / pytorch_model.bin)")
    p.add_argument("--write-inputs", metavar="DIR", help="seeded example inputs as .npy")
    p.add_argument("--write-torch-outputs", metavar="DIR",
                   help="PyTorch outputs for those inputs as .npy")
    g = p.add_argument_group("torch.onnx.export variants (what users' own exports look like)")
    g.add_argument("--opset", type=int, choices=range(13, vimq_ops.ONNX_OPSET + 1),
                   default=vimq_ops.ONNX_OPSET, metavar="13..%d" % vimq_ops.ONNX_OPSET,
                   help="ONNX opset (default %d; torch 1.13's own default is 14)"
                   % vimq_ops.ONNX_OPSET)
    g.add_argument("--no-constant-folding", action="store_true",
                   help="do_constant_folding=False")
    g.add_argument("--initializers-as-inputs", action="store_true",
                   help="keep_initializers_as_inputs=True")
    g.add_argument("--dynamic-batch", action="store_true",
                   help="dynamic_axes on the batch dimension (vimq-compile then needs "
                   "--input-shape NAME=BxCxHxW)")
    g = p.add_argument_group("ViM")
    g.add_argument("--img", type=parse_img, help="SIZE or HxW (default 224)")
    g.add_argument("--patch", type=positive)
    g.add_argument("--classes", type=positive)
    g.add_argument("--in-chans", type=positive)
    g.add_argument("--expand", type=positive, help="d_inner / d_model (default 2)")
    g.add_argument("--d-conv", type=positive, help="causal conv width (default 4)")
    g.add_argument("--dt-rank", type=positive, help="default ceil(d_model / 16)")
    g.add_argument("--cls-pos", choices=("middle", "head", "tail"),
                   help="class token position (default middle, as upstream ViM)")
    g = p.add_argument_group("Mamba2")
    g.add_argument("--seq", type=positive, help="sequence length (default 128)")
    g.add_argument("--headdim", type=positive)
    g.add_argument("--ngroups", type=positive)
    g.add_argument("--vocab", type=positive, help="vocabulary size before padding to 16")
    return p


VIM_ONLY = ("img", "patch", "classes", "in_chans", "cls_pos", "expand", "d_conv", "dt_rank")
MAMBA2_ONLY = ("seq", "headdim", "ngroups", "vocab")


def infer_vim(state):
    """Architecture of a ViM state dict, from its shapes."""
    w = state.get("patch_embed.proj.weight")
    if w is None or w.dim() != 4:
        raise ExportError("checkpoint has no 4-D patch_embed.proj.weight: not a ViM state dict")
    out = dict(d_model=w.shape[0], in_chans=w.shape[1], patch=w.shape[2],
               depth=len([k for k in state if re.fullmatch(r"layers\.\d+\.norm\.weight", k)]))
    if "layers.0.mixer.A_log" in state:
        out["d_state"] = state["layers.0.mixer.A_log"].shape[1]
        out["expand"] = state["layers.0.mixer.A_log"].shape[0] // out["d_model"]
    if "layers.0.mixer.dt_proj.weight" in state:
        out["dt_rank"] = state["layers.0.mixer.dt_proj.weight"].shape[1]
    if "head.weight" in state:
        out["num_classes"] = state["head.weight"].shape[0]
    return out


def infer_mamba2(state, ngroups):
    """Architecture of a Mamba2 state dict, from its shapes (ngroups cannot be told apart from
    d_state there, so it comes from the command line)."""
    emb = state.get("backbone.embedding.weight")
    if emb is None or emb.dim() != 2:
        raise ExportError("checkpoint has no 2-D backbone.embedding.weight: not a Mamba2 state "
                          "dict")
    pre = "backbone.layers.0.mixer."
    out = dict(d_model=emb.shape[1], vocab_size=emb.shape[0],
               n_layer=len([k for k in state
                            if re.fullmatch(r"backbone\.layers\.\d+\.norm\.weight", k)]))
    if pre + "norm.weight" in state and pre + "A_log" in state and pre + "conv1d.weight" in state:
        d_inner = state[pre + "norm.weight"].shape[0]
        heads = state[pre + "A_log"].shape[0]
        out.update(expand=d_inner // out["d_model"], headdim=d_inner // heads,
                   d_state=(state[pre + "conv1d.weight"].shape[0] - d_inner) // (2 * ngroups))
    return out


def hf_vocab(checkpoint_path):
    """The unpadded vocabulary of an HF-style checkpoint directory (config.json next to
    pytorch_model.bin, as state-spaces/mamba2-* ships), so example ids avoid the padding rows.
    Returns {} without a config.json."""
    path = os.path.join(os.path.dirname(os.path.abspath(checkpoint_path)), "config.json")
    if not os.path.isfile(path):
        return {}
    try:
        with open(path) as f:
            conf = json.load(f)
    except ValueError as e:
        raise ExportError("%s: not valid JSON: %s" % (path, e))
    out = {}
    for key in ("vocab_size", "pad_vocab_size_multiple"):
        if key in conf:
            if not isinstance(conf[key], int) or conf[key] < 1:
                raise ExportError("%s: %s must be a positive integer" % (path, key))
            out[key] = conf[key]
    return out


# The architecture options a preset or the command line fixes, as (option, config field): a
# checkpoint must agree with them (check_preset).
VIM_PRESET_OPTIONS = (("d_model", "d_model"), ("depth", "depth"), ("d_state", "d_state"),
                      ("patch", "patch"), ("expand", "expand"), ("dt_rank", "dt_rank"))
MAMBA2_PRESET_OPTIONS = (("d_model", "d_model"), ("depth", "n_layer"), ("d_state", "d_state"),
                         ("headdim", "headdim"))


def check_preset(args, inferred, options):
    """A checkpoint that contradicts the preset (its own fields, e.g. vim-small's d_model 384)
    or an explicit option is an error, not silently overridden: the user named an architecture
    and the file is another. An option given on the command line replaces the preset's value,
    so `--d-model 128` with a custom-sized checkpoint is how to load one of no preset."""
    presets = vim.PRESETS if args.model in vim.PRESETS else mamba2.PRESETS
    preset = presets[args.model]
    for opt, field in options:
        if field not in inferred:
            continue
        given = getattr(args, opt)
        want, source = (given, "--%s %d" % (opt.replace("_", "-"), given)) if given is not None \
            else (preset.get(field), "preset %s's %s %s" % (args.model, field, preset.get(field)))
        if want is not None and want != inferred[field]:
            raise ExportError("%s: the checkpoint has %s %d, which contradicts %s (use the "
                              "matching preset or pass --%s %d)" % (
                                  args.checkpoint, field, inferred[field], source,
                                  opt.replace("_", "-"), inferred[field]))


def build(args):
    """Returns (model, kind, example input name, example input tensor)."""
    kind = "vim" if args.model in vim.PRESETS else "mamba2"
    foreign = MAMBA2_ONLY if kind == "vim" else VIM_ONLY
    given = [o for o in foreign if getattr(args, o) is not None]
    if given:
        raise ExportError("--%s does not apply to %s" % (given[0].replace("_", "-"), args.model))
    state = checkpoint.read_state_dict(args.checkpoint) if args.checkpoint else None
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed + 1)
    if kind == "vim":
        cfg = dict(vim.PRESETS[args.model])
        if state is not None:
            inferred = infer_vim(state)
            check_preset(args, inferred, VIM_PRESET_OPTIONS)
            cfg.update(inferred)
        h, w = args.img or (224, 224)
        cfg.update(img_h=h, img_w=w)
        for opt, field in (("d_model", "d_model"), ("depth", "depth"), ("d_state", "d_state"),
                           ("patch", "patch"), ("classes", "num_classes"),
                           ("in_chans", "in_chans"), ("cls_pos", "cls_pos"),
                           ("expand", "expand"), ("d_conv", "d_conv"), ("dt_rank", "dt_rank")):
            if getattr(args, opt) is not None:
                cfg[field] = getattr(args, opt)
        if args.d_model is not None and args.dt_rank is None:
            cfg.pop("dt_rank", None)  # back to ceil(d_model / 16)
        config = vim.VimConfig(**cfg)
        config.validate()
        model = vim.VisionMamba(config)
        name = "image"
        example = torch.randn(args.batch, config.in_chans, h, w, generator=gen)
    else:
        cfg = dict(mamba2.PRESETS[args.model])
        if args.ngroups is not None:
            cfg["ngroups"] = args.ngroups
        if state is not None:
            inferred = infer_mamba2(state, cfg.get("ngroups", 1))
            check_preset(args, inferred, MAMBA2_PRESET_OPTIONS)
            cfg.update(inferred)
            cfg.update(hf_vocab(args.checkpoint))
        for opt, field in (("d_model", "d_model"), ("depth", "n_layer"), ("d_state", "d_state"),
                           ("headdim", "headdim"), ("vocab", "vocab_size")):
            if getattr(args, opt) is not None:
                cfg[field] = getattr(args, opt)
        config = mamba2.Mamba2Config(**cfg)
        config.validate()
        model = mamba2.Mamba2LMHeadModel(config)
        name = "input_ids"
        seq = args.seq or 128
        example = torch.randint(0, config.vocab_size, (args.batch, seq), generator=gen)
    if state is not None:
        if kind == "vim" and checkpoint.resize_vim_pos_embed(
                state, (config.img_h // config.patch, config.img_w // config.patch),
                args.checkpoint):
            progress("pos_embed resized to %dx%d patches" %
                     (config.img_h // config.patch, config.img_w // config.patch))
        checkpoint.load_into(model, state, source=args.checkpoint,
                             tied=("lm_head.weight",) if kind == "mamba2" else ())
    if args.outliers:
        model.add_outliers(args.outliers, gen)
    return model.eval(), kind, name, example


def progress(message):
    """Progress on stdout (errors go to stderr): exporting a large model takes a minute."""
    print("export.py: " + message, flush=True)


def save_npy(directory, name, array):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name + ".npy")
    tmp = path + ".tmp-%d" % os.getpid()
    try:
        with open(tmp, "wb") as f:
            np.save(f, array)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def weight_bytes(model):
    return sum(len(t.raw_data) or 4 * len(t.float_data) for t in model.graph.initializer)


def export_onnx(model, input_name, example, path, opset=vimq_ops.ONNX_OPSET, fold=True,
                initializers_as_inputs=False, dynamic_batch=False):
    """torch.onnx.export into a scratch directory next to `path`, then the ai.vimq functions,
    IR version 8, the full checker, and a rename into place."""
    out_dir = os.path.dirname(os.path.abspath(path))
    os.makedirs(out_dir, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=".vimq-export-", dir=out_dir)
    try:
        raw = os.path.join(scratch, "raw.onnx")
        progress("tracing and exporting with torch.onnx.export")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on custom domains and constant folding
            torch.onnx.export(model, (example,), raw, input_names=[input_name],
                              output_names=["logits"], opset_version=opset,
                              custom_opsets={vimq_ops.DOMAIN: vimq_ops.DOMAIN_VERSION},
                              do_constant_folding=fold,
                              keep_initializers_as_inputs=initializers_as_inputs,
                              dynamic_axes=({input_name: {0: "batch"}, "logits": {0: "batch"}}
                                            if dynamic_batch else None))
        proto = onnx.load(raw)
        vimq_ops.attach_functions(proto)
        proto.ir_version = 8
        proto.producer_name = "vimq models/export.py"
        staged = os.path.join(scratch, os.path.basename(path))
        external = weight_bytes(proto) > EXTERNAL_DATA_THRESHOLD
        data_name = os.path.basename(path) + ".data"
        if external:
            onnx.save_model(proto, staged, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=data_name)
        else:
            onnx.save_model(proto, staged)
        progress("checking (onnx.checker, full_check)")
        try:
            onnx.checker.check_model(staged, full_check=True)
        except onnx.checker.ValidationError as e:
            raise ExportError("the exported graph fails the ONNX checker (a bug in models/): %s"
                              % str(e).splitlines()[0])
        if external:
            os.replace(os.path.join(scratch, data_name), os.path.join(out_dir, data_name))
        os.replace(staged, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv=None):
    args = make_parser().parse_args(argv)
    try:
        t0 = time.time()
        model, kind, input_name, example = build(args)
        params = sum(p.numel() for p in model.parameters())
        progress("built %s, %.2fM parameters" % (args.model, params / 1e6))
        export_onnx(model, input_name, example, args.output, opset=args.opset,
                    fold=not args.no_constant_folding,
                    initializers_as_inputs=args.initializers_as_inputs,
                    dynamic_batch=args.dynamic_batch)
        progress("wrote %s (input %s %s) in %.1f s" %
                 (args.output, input_name, list(example.shape), time.time() - t0))
        if args.write_inputs:
            save_npy(args.write_inputs, input_name, example.numpy())
        if args.write_torch_outputs:
            progress("running the PyTorch model for --write-torch-outputs")
            with torch.no_grad():
                logits = model(example)
            save_npy(args.write_torch_outputs, "logits", logits.numpy())
    except (ExportError, checkpoint.CheckpointError, ValueError, OSError) as e:
        print("export.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
