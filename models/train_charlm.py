#!/usr/bin/python3
"""Trains the small character-level Mamba2 language model on Debian's license texts
(docs/models.md, "Character language model"; corpus, split and vocabulary in charlm.py).

  python3 models/train_charlm.py -o charlm.pt            # the full run (a few minutes)
  python3 models/train_charlm.py --tiny -o tiny.pt       # CI size (well under 30 s)
  python3 models/train_charlm.py -o x.pt --verify models/fixtures/charlm.pt

Seeded and deterministic: one thread, torch.manual_seed, a seeded window sampler; the same
torch build on the same CPU gives the same weights bit for bit (the digest printed at the end).
The checkpoint is {"model": state dict in upstream names (lm_head.weight, tied, left out),
"charlm": the configuration, vocabulary, split and measured figures}; export it with
  python3 models/export.py mamba2-charlm --checkpoint charlm.pt --seq 128 --batch 8 -o charlm.onnx
(mamba2-charlm-tiny for a --tiny checkpoint)
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import charlm  # noqa: E402
import checkpoint  # noqa: E402
import mamba2  # noqa: E402
from export import positive  # noqa: E402  (the CLI's integer check)


def make_parser():
    p = argparse.ArgumentParser(prog="train_charlm.py", description=__doc__[:__doc__.index("\n\n")])
    p.add_argument("-o", "--output", required=True, help="checkpoint file to write (.pt)")
    p.add_argument("--tiny", action="store_true", help="the CI configuration (%s)" %
                   ", ".join("%s %s" % kv for kv in charlm.CONFIGS["tiny"]["model"].items()
                             if kv[0] in ("d_model", "n_layer", "d_state")))
    p.add_argument("--epochs", type=positive, help="passes over the training text "
                   "(default: full %d, tiny %d)" % (charlm.CONFIGS["full"]["train"]["epochs"],
                                                   charlm.CONFIGS["tiny"]["train"]["epochs"]))
    p.add_argument("--steps", type=positive, help="stop after this many optimizer steps "
                   "(the schedule still spans --epochs; for quick checks)")
    p.add_argument("--seed", type=int, help="seed of the weights and the window sampler "
                   "(default 0)")
    p.add_argument("--lr", type=float, help="peak learning rate (default: full %g, tiny %g)" %
                   (charlm.CONFIGS["full"]["train"]["lr"], charlm.CONFIGS["tiny"]["train"]["lr"]))
    p.add_argument("--threads", type=positive, default=1,
                   help="torch threads (default 1; bit-for-bit results assume the same count)")
    p.add_argument("--corpus-dir", default=charlm.CORPUS_DIR)
    p.add_argument("--any-corpus", action="store_true",
                   help="accept texts whose SHA-256 differs from the pinned ones")
    p.add_argument("--reference-kernels", action="store_true",
                   help="train with the model's own forward (netlib GEMMs, token-loop scan): "
                   "the same function, different rounding, ~6x slower")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--verify", metavar="CHECKPOINT",
                   help="after training, compare the weights with this checkpoint; exit 3 "
                   "unless they are identical bit for bit")
    return p


def log(message):
    print(message, flush=True)


def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def lr_at(step, total, base, warmup):
    """Linear warm-up, then cosine decay to base/10."""
    if step < warmup:
        return base * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


@torch.no_grad()
def eval_ppl(model, wins, batch=32, fast=True):
    """Perplexity over windows [N, L] (positions 1.. of each window)."""
    total, count = 0.0, 0
    for part, real in charlm.batches(wins, batch):
        if fast:
            with charlm.fast_kernels(model):
                logits = model(torch.from_numpy(part)).numpy()
        else:
            logits = charlm.torch_logits(model, part)
        s, n = charlm.nll_sum(logits[:real], part[:real])
        total, count = total + s, count + n
    return math.exp(total / count)


def train(args):
    name = "tiny" if args.tiny else "full"
    settings = dict(charlm.CONFIGS[name]["train"])
    if args.epochs:
        settings["epochs"] = args.epochs
    if args.seed is not None:
        settings["seed"] = args.seed
    if args.lr is not None:
        settings["lr"] = args.lr
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(settings["seed"])
    sampler = torch.Generator().manual_seed(settings["seed"] + 1)

    train_ids, held_ids = charlm.load_split(args.corpus_dir, check=not args.any_corpus)
    held_wins = charlm.windows(held_ids, charlm.EVAL_SEQ)
    # Training perplexity on every 8th evaluation window of the training text (221 windows):
    # a fixed sample that spans every file, at an eighth of the cost of all of them.
    train_wins = charlm.windows(train_ids, charlm.EVAL_SEQ)[::8]
    unigram = charlm.unigram_perplexity(train_ids, held_wins)
    cfg = charlm.model_config(name)
    model = mamba2.Mamba2LMHeadModel(cfg)
    params = sum(p.numel() for p in model.parameters())
    seq, batch = settings["seq"], settings["batch"]
    steps_per_epoch = math.ceil(len(train_ids) / (seq * batch))
    total = steps_per_epoch * settings["epochs"]
    if settings.get("max_steps"):
        total = min(total, settings["max_steps"])
        steps_per_epoch = min(steps_per_epoch, total)
    stop = min(total, args.steps or total)
    log("train_charlm.py: %s config: d_model %d, %d layers, d_state %d, headdim %d, vocab %d; "
        "%d parameters" % (name, cfg.d_model, cfg.n_layer, cfg.d_state, cfg.headdim,
                           cfg.vocab_size, params))
    log("train_charlm.py: corpus %s: train %d chars (%d files), held-out %d chars (%s); "
        "%d epochs x %d steps of %dx%d tokens" %
        (args.corpus_dir, len(train_ids), len(charlm.TRAIN_FILES), len(held_ids),
         ", ".join(charlm.HELDOUT_FILES), settings["epochs"], steps_per_epoch, batch, seq))
    log("train_charlm.py: unigram (add-one, from the training text) held-out ppl %.3f" % unigram)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([dict(params=decay, weight_decay=settings["weight_decay"]),
                             dict(params=no_decay, weight_decay=0.0)],
                            lr=settings["lr"], betas=(0.9, 0.95))
    train_t = torch.from_numpy(train_ids)
    history, seconds = [], []
    t0 = time.time()
    step = 0
    for epoch in range(settings["epochs"]):
        if step >= stop:
            break
        model.train()
        losses = []
        for _ in range(steps_per_epoch):
            if step >= stop:
                break
            starts = torch.randint(0, len(train_ids) - seq, (batch,), generator=sampler)
            ids = torch.stack([train_t[s:s + seq + 1] for s in starts.tolist()])
            for group in opt.param_groups:
                group["lr"] = lr_at(step, total, settings["lr"], settings["warmup"])
            with charlm.fast_kernels(model, fast=not args.reference_kernels):
                loss = charlm.loss_fn(model, ids)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            losses.append(loss.item())
            step += 1
        model.eval()
        held = eval_ppl(model, held_wins, fast=not args.reference_kernels)
        entry = dict(epoch=epoch + 1, steps=step, train_ppl=math.exp(float(np.mean(losses))),
                     heldout_ppl=held)
        history.append(entry)
        seconds.append(round(time.time() - t0, 1))
        log("epoch %d/%d  steps %4d  train ppl %7.3f (running)  held-out ppl %7.3f  %6.1f s" %
            (epoch + 1, settings["epochs"], step, entry["train_ppl"], held, seconds[-1]))
    train_seconds = time.time() - t0
    model.eval()
    final = dict(train_ppl=eval_ppl(model, train_wins, fast=not args.reference_kernels),
                 heldout_ppl=eval_ppl(model, held_wins, fast=False), unigram_heldout_ppl=unigram,
                 train_windows=len(train_wins), heldout_windows=len(held_wins),
                 eval_seq=charlm.EVAL_SEQ)
    log("final: train ppl %.3f (%d sampled windows of %d), held-out ppl %.3f (%d windows, the "
        "model's own forward), unigram %.3f; trained in %.1f s" %
        (final["train_ppl"], len(train_wins), charlm.EVAL_SEQ, final["heldout_ppl"],
         len(held_wins), unigram, train_seconds))
    state = charlm.trained_state(model)
    digest = charlm.state_digest(state)
    # Everything in the checkpoint is deterministic (no timings): the same run writes the same
    # bytes (torch.save to a file object names the archive "archive", not after the file).
    meta = dict(config=name, preset=charlm.CONFIGS[name]["preset"],
                model=dict(charlm.CONFIGS[name]["model"]), train=settings, steps=step,
                threads=args.threads, reference_kernels=args.reference_kernels,
                vocab=charlm.VOCAB_CHARS, corpus=charlm.CORPUS_PACKAGE,
                train_files=list(charlm.TRAIN_FILES), heldout_files=list(charlm.HELDOUT_FILES),
                history=history, final=final, digest=digest, torch=torch.__version__)
    out_dir = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(out_dir, exist_ok=True)
    tmp = args.output + ".tmp-%d" % os.getpid()
    try:
        with open(tmp, "wb") as f:
            torch.save({"model": state, "charlm": meta}, f)
        os.replace(tmp, args.output)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    log("train_charlm.py: wrote %s (weights sha256 %s)" % (args.output, digest))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(meta, epoch_seconds=seconds, train_seconds=round(train_seconds, 1),
                           output=args.output), f, indent=1, sort_keys=True)
    if args.verify:
        ref = checkpoint.read_state_dict(args.verify)
        if charlm.state_digest(ref) != digest:
            diff = max((float((ref[k].float() - v).abs().max()) for k, v in state.items()
                        if k in ref and ref[k].shape == v.shape), default=float("nan"))
            log("verify: the weights differ from %s (max abs difference %.3g)" %
                (args.verify, diff))
            return 3
        same_file = file_sha256(args.verify) == file_sha256(args.output)
        log("verify: the weights are identical to %s bit for bit (the files %s)" %
            (args.verify, "too" if same_file else "differ in their metadata"))
    return 0


def main(argv=None):
    args = make_parser().parse_args(argv)
    try:
        return train(args)
    except (charlm.CorpusError, checkpoint.CheckpointError, OSError) as e:
        print("train_charlm.py: error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
