#!/usr/bin/python3
"""Perplexity of an exported character LM (docs/models.md, "Character language model") under
several runners: ONNX Runtime FP32, the PyTorch model, vimq-ref (FP32 or a quantized scheme's
golden model), the overlay (vimq-run), or any command.

  python3 models/perplexity.py charlm.onnx --runner ort --runner ref:vimq --json ppl.json

The text (default: the held-out split) is cut into non-overlapping windows of the model's L
tokens (the tail is dropped), grouped into the model's batch B (the last batch is padded with
copies of the first window, which are not scored); each batch is written as an int64 [B, L]
`input_ids` .npy and handed to every runner, which returns logits [B, L, V]. Perplexity =
exp(mean next-character cross-entropy over every predicted position: 1..L-1 of each window).
The first runner is the baseline of the "vs baseline" column (relative perplexity increase).

Runners (--runner, repeatable; default: ort):
  ort                   node models/ort_run.js MODEL (ONNX Runtime, FP32)
  torch:CHECKPOINT      the PyTorch model's own forward, loaded from the checkpoint
  ref[:SCHEME]          vimq-ref MODEL --scheme SCHEME (default fp32); a quantized scheme gets
                        --calib with windows of the training text (see --calib-samples)
  sim:SCHEME:TARGET     vimq-compile MODEL --scheme SCHEME --target TARGET --calib ... into a
                        bundle, then vimq-run on the simulator
  run:BUNDLE[:DEVICE]   vimq-run BUNDLE --device DEVICE (default sim): a bundle compiled already
  cmd:LABEL:COMMAND     any command (split like a shell would); {model} {input} {output} {calib}
                        {bin} are replaced; it must write {output}/logits.npy
"""
import argparse
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import charlm  # noqa: E402
import checkpoint  # noqa: E402
import export  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FP32_SCHEMES = ("fp32",)


class PplError(Exception):
    pass


def log(message):
    print("perplexity.py: " + message, file=sys.stderr, flush=True)


def run(cmd, what):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        lines = (p.stderr.strip() or p.stdout.strip() or "no output").splitlines()
        raise PplError("%s failed (exit %d): %s" % (what, p.returncode, lines[-1]))
    return p


def model_input_shape(path):
    """(B, L) of the model's int64 input_ids."""
    try:
        model = onnx.load(path, load_external_data=False)
    except Exception as e:  # onnx raises DecodeError, OSError, ...
        raise PplError("%s: cannot read as ONNX: %s" % (path, e))
    inputs = [i for i in model.graph.input
              if i.name not in {t.name for t in model.graph.initializer}]
    if len(inputs) != 1 or inputs[0].name != "input_ids":
        raise PplError("%s: expected one graph input 'input_ids', found %s" %
                       (path, [i.name for i in inputs]))
    t = inputs[0].type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
    if t.elem_type != onnx.TensorProto.INT64 or len(dims) != 2 or None in dims:
        raise PplError("%s: input_ids must be int64 [B, L] with static sizes, got %s %s" %
                       (path, onnx.TensorProto.DataType.Name(t.elem_type), dims))
    return dims[0], dims[1]


# --- runners -----------------------------------------------------------------------------------
# A runner is prepared once (prepare(ctx)) and then maps one input_ids file to logits
# (logits(ctx, input_path, out_dir) -> np.ndarray [B, L, V]).

class Runner:
    fp32 = False

    def __init__(self, spec):
        self.spec = spec
        self.label = spec

    def prepare(self, ctx):
        pass

    def logits(self, ctx, input_path, out_dir):
        raise NotImplementedError


def _read_logits(out_dir, what):
    path = os.path.join(out_dir, "logits.npy")
    if not os.path.isfile(path):
        raise PplError("%s wrote no %s" % (what, path))
    return np.load(path)


class OrtRunner(Runner):
    fp32 = True

    def logits(self, ctx, input_path, out_dir):
        run(["node", os.path.join(HERE, "ort_run.js"), ctx.model, "--input",
             "input_ids=" + input_path, "--output", out_dir], "ort_run.js")
        return _read_logits(out_dir, "ort_run.js")


class TorchRunner(Runner):
    fp32 = True

    def __init__(self, spec, path):
        super().__init__(spec)
        self.path = path

    def prepare(self, ctx):
        import torch
        import mamba2
        torch.set_num_threads(1)
        state = checkpoint.read_state_dict(self.path)
        cfg = export.infer_mamba2(state, 1)  # the architecture from the tensor shapes
        self.model = mamba2.Mamba2LMHeadModel(mamba2.Mamba2Config(**cfg))
        checkpoint.load_into(self.model, state, source=self.path, tied=("lm_head.weight",))
        self.model.eval()

    def logits(self, ctx, input_path, out_dir):
        return charlm.torch_logits(self.model, np.load(input_path))


class RefRunner(Runner):
    def __init__(self, spec, scheme):
        super().__init__(spec)
        self.scheme = scheme
        self.fp32 = scheme in FP32_SCHEMES

    def logits(self, ctx, input_path, out_dir):
        cmd = [ctx.tool("vimq-ref"), ctx.model, "--scheme", self.scheme, "--input",
               "input_ids=" + input_path, "--output", out_dir]
        if not self.fp32:
            cmd += ["--calib", ctx.calib_dir()]
        run(cmd, "vimq-ref --scheme " + self.scheme)
        return _read_logits(out_dir, "vimq-ref")


class BundleRunner(Runner):
    def __init__(self, spec, bundle, device="sim"):
        super().__init__(spec)
        self.bundle, self.device = bundle, device

    def logits(self, ctx, input_path, out_dir):
        run([ctx.tool("vimq-run"), self.bundle, "--device", self.device, "--input",
             "input_ids=" + input_path, "--output", out_dir], "vimq-run")
        return _read_logits(out_dir, "vimq-run")


class SimRunner(BundleRunner):
    def __init__(self, spec, scheme, target):
        super().__init__(spec, None)
        self.scheme, self.target = scheme, target

    def prepare(self, ctx):
        self.bundle = os.path.join(ctx.scratch("bundle-%s-%s" % (self.scheme, self.target)),
                                   "model.vimq")
        cmd = [ctx.tool("vimq-compile"), ctx.model, "-o", self.bundle, "--target", self.target,
               "--scheme", self.scheme]
        if self.scheme not in FP32_SCHEMES:
            cmd += ["--calib", ctx.calib_dir()]
        log("%s: compiling" % self.spec)
        run(cmd, "vimq-compile --scheme %s --target %s" % (self.scheme, self.target))


class CommandRunner(Runner):
    def __init__(self, spec, label, command):
        super().__init__(spec)
        self.label, self.command = label, command

    def logits(self, ctx, input_path, out_dir):
        values = dict(model=ctx.model, input=input_path, output=out_dir, bin=ctx.bindir)
        words = []
        for w in shlex.split(self.command):
            if "{calib}" in w:
                values["calib"] = ctx.calib_dir()
            try:
                words.append(w.format(**values))
            except (KeyError, IndexError, ValueError) as e:
                raise PplError("cannot substitute '%s' (placeholders: {model} {input} "
                               "{output} {calib} {bin}; double other braces): %s" % (w, e))
        run(words, self.label)
        return _read_logits(out_dir, self.label)


def parse_runner(spec):
    kind, _, rest = spec.partition(":")
    if kind == "ort" and not rest:
        return OrtRunner(spec)
    if kind == "torch" and rest:
        return TorchRunner(spec, rest)
    if kind == "ref":
        return RefRunner(spec, rest or "fp32")
    if kind == "sim":
        scheme, _, target = rest.partition(":")
        if scheme and target:
            return SimRunner(spec, scheme, target)
    if kind == "run" and rest:
        bundle, _, device = rest.partition(":")
        return BundleRunner(spec, bundle, device or "sim")
    if kind == "cmd":
        label, _, command = rest.partition(":")
        if label and command:
            return CommandRunner(spec, label, command)
    raise argparse.ArgumentTypeError(
        "unknown runner '%s' (ort | torch:CKPT | ref[:SCHEME] | sim:SCHEME:TARGET | "
        "run:BUNDLE[:DEVICE] | cmd:LABEL:COMMAND)" % spec)


class Context:
    def __init__(self, model, work, bindir, train_ids, batch, seq, calib_samples):
        self.model, self.work, self.bindir = model, work, bindir
        self.train_ids, self.batch, self.seq = train_ids, batch, seq
        self.calib_samples = calib_samples
        self._calib = None

    def tool(self, name):
        path = os.path.join(self.bindir, name)
        if not os.path.isfile(path):
            raise PplError("%s: no such tool (build the project, or give --bin DIR)" % path)
        return path

    def scratch(self, name):
        path = os.path.join(self.work, name)
        os.makedirs(path, exist_ok=True)
        return path

    def calib_dir(self):
        """Calibration inputs for the quantized schemes: `calib_samples` int64 [B, L] .npy files
        of training-text windows, evenly spaced over the training split (never held-out text)."""
        if self._calib is None:
            wins = charlm.windows(self.train_ids, self.seq)
            n = self.calib_samples * self.batch
            pick = np.linspace(0, len(wins) - 1, n).round().astype(np.int64)
            self._calib = self.scratch("calib")
            for i in range(self.calib_samples):
                np.save(os.path.join(self._calib, "calib_%03d.npy" % i),
                        wins[pick[i * self.batch:(i + 1) * self.batch]])
        return self._calib


def load_text(which, corpus_dir, check):
    train_ids, held_ids = charlm.load_split(corpus_dir, check=check)
    if which == "heldout":
        return train_ids, held_ids, "held-out split (%s)" % ", ".join(charlm.HELDOUT_FILES)
    if which == "train":
        return train_ids, train_ids, "training split"
    try:
        with open(which, "rb") as f:
            return train_ids, charlm.encode(f.read()), which
    except OSError as e:
        raise PplError("%s: cannot read (%s)" % (which, e.strerror))


def evaluate(args):
    runners = args.runner or [OrtRunner("ort")]
    batch, seq = model_input_shape(args.model)
    train_ids, text_ids, text_name = load_text(args.text, args.corpus_dir, not args.any_corpus)
    wins = charlm.windows(text_ids, seq)
    parts = charlm.batches(wins, batch)
    unigram = charlm.unigram_perplexity(train_ids, wins)
    work = args.work or tempfile.mkdtemp(prefix="vimq-ppl-")
    os.makedirs(work, exist_ok=True)
    try:
        ctx = Context(os.path.abspath(args.model), work, args.bin, train_ids, batch, seq,
                      args.calib_samples)
        inputs = ctx.scratch("inputs")
        paths = []
        for i, (part, _) in enumerate(parts):
            paths.append(os.path.join(inputs, "input_ids_%03d.npy" % i))
            np.save(paths[-1], part)
        log("%s: %d windows of %d tokens (%d predictions) in %d batches of %d" %
            (text_name, len(wins), seq, len(wins) * (seq - 1), len(parts), batch))
        results = []
        for k, r in enumerate(runners):
            t0 = time.time()
            entry = dict(runner=r.spec, label=r.label, fp32=r.fp32)
            try:
                r.prepare(ctx)
                total, count = 0.0, 0
                for i, ((part, real), path) in enumerate(zip(parts, paths)):
                    out = ctx.scratch(os.path.join("out-%d" % k, "batch_%03d" % i))
                    logits = r.logits(ctx, path, out)
                    if logits.ndim != 3 or logits.shape[:2] != (batch, seq):
                        raise PplError("%s: logits of shape %s, expected [%d, %d, V]" %
                                       (r.label, list(logits.shape), batch, seq))
                    if logits.shape[2] < charlm.VOCAB:
                        raise PplError("%s: %d logits per token, fewer than the %d-character "
                                       "vocabulary: not a character LM" %
                                       (r.label, logits.shape[2], charlm.VOCAB))
                    s, n = charlm.nll_sum(logits[:real], part[:real])
                    total, count = total + s, count + n
                    if not args.keep_logits:
                        shutil.rmtree(out)
                    log("%s: batch %d/%d" % (r.label, i + 1, len(parts)))
                entry.update(nll=total / count, ppl=math.exp(total / count), predictions=count)
            except (PplError, OSError, ValueError, checkpoint.CheckpointError,
                    export.ExportError) as e:
                entry.update(error=str(e))
                log("%s: %s" % (r.label, e))
            entry["seconds"] = round(time.time() - t0, 2)
            results.append(entry)
        base = results[0].get("ppl")
        for e in results:
            if base is not None and "ppl" in e:
                e["rel_increase_pct"] = 100.0 * (e["ppl"] / base - 1.0)
        report = dict(model=args.model, text=text_name, seq=seq, batch=batch, windows=len(wins),
                      predictions=len(wins) * (seq - 1), unigram_ppl=unigram,
                      baseline=results[0]["label"], results=results)
        print_table(report)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(report, f, indent=1)
        return 0 if all("ppl" in e for e in results) else 1
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


def print_table(report):
    print("%s: %s, %d windows x %d tokens, %d predictions" %
          (report["model"], report["text"], report["windows"], report["seq"],
           report["predictions"]))
    results = report["results"]
    width = max([len(e["label"]) for e in results] + [len("unigram (training chars)")])
    print("%-*s  %10s  %9s  %12s  %8s" % (width, "runner", "ppl", "bits/char", "vs baseline",
                                         "seconds"))
    for e in results:
        if "ppl" not in e:
            print("%-*s  %10s  %s" % (width, e["label"], "failed", e["error"]))
            continue
        rel = ("baseline" if e is results[0] else
               "%+.4f%%" % e["rel_increase_pct"] if "rel_increase_pct" in e else "")
        print("%-*s  %10.4f  %9.4f  %12s  %8.1f" % (width, e["label"], e["ppl"],
                                                    e["nll"] / math.log(2), rel, e["seconds"]))
    print("%-*s  %10.4f  %9.4f" % (width, "unigram (training chars)", report["unigram_ppl"],
                                   math.log(report["unigram_ppl"], 2)))


def make_parser():
    p = argparse.ArgumentParser(prog="perplexity.py", description=__doc__[:__doc__.index("\n\n")],
                                epilog=__doc__[__doc__.index("Runners"):],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="the exported .onnx (input_ids int64 [B, L], logits [B, L, V])")
    p.add_argument("--runner", action="append", type=parse_runner, metavar="SPEC",
                   help="see below; repeatable; the first is the baseline (default: ort)")
    p.add_argument("--text", default="heldout",
                   help="heldout (default), train, or a text file encoded with the vocabulary")
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"),
                   help="folder of vimq-ref / vimq-compile / vimq-run (default build/bin)")
    p.add_argument("--calib-samples", type=int, default=4, metavar="N",
                   help="calibration batches [B, L] of training text for quantized schemes "
                   "(default 4)")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON")
    p.add_argument("--work", metavar="DIR", help="keep the input_ids / calibration .npy files "
                   "(and with --keep-logits the outputs) in DIR instead of a temporary folder")
    p.add_argument("--keep-logits", action="store_true",
                   help="with --work: keep every runner's logits.npy too")
    p.add_argument("--corpus-dir", default=charlm.CORPUS_DIR)
    p.add_argument("--any-corpus", action="store_true",
                   help="accept texts whose SHA-256 differs from the pinned ones")
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)
    if args.calib_samples < 1:
        print("perplexity.py: error: --calib-samples must be positive", file=sys.stderr)
        return 2
    try:
        return evaluate(args)
    except (PplError, charlm.CorpusError, OSError) as e:
        print("perplexity.py: error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
