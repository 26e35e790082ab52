"""Tiny ONNX models and .npy files for the lit tests, made at test time (nothing is checked in).

  make_model.py model KIND OUT.onnx [--inputs DIR]   a model (+ seeded inputs DIR/<name>.npy)
  make_model.py truncate IN OUT --keep N              the first N bytes of IN
  make_model.py npy OUT --dtype DT --shape 2,3        a seeded array
  make_model.py garbage OUT                           a file that is neither ONNX nor .npy

Kinds (batch 2 and odd, non-square sizes on purpose):
  mlp         x[2,3,5] -> Linear(5->6) -> SiLU -> Linear(6->4) -> "hidden/out"
  classifier  x[2,5] -> Linear(5->7) -> "logits" (2-D, for --print-outputs top-5)
  two-input   a[2,3], b[2,3] -> a + b -> * 0.5 -> "sum"
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def const(name, rng, shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def linear(nodes, inits, rng, x, k, n, tag):
    inits += [const(tag + ".weight", rng, (k, n)), const(tag + ".bias", rng, (n,))]
    nodes += [helper.make_node("MatMul", [x, tag + ".weight"], [tag + "_mm"], name=tag + "/MatMul"),
              helper.make_node("Add", [tag + "_mm", tag + ".bias"], [tag + "_out"],
                               name=tag + "/Add")]
    return tag + "_out"


def build(kind, rng):
    nodes, inits = [], []
    if kind == "mlp":
        ins = [("x", [2, 3, 5])]
        h = linear(nodes, inits, rng, "x", 5, 6, "fc1")
        nodes += [helper.make_node("Sigmoid", [h], ["sig"], name="act/Sigmoid"),
                  helper.make_node("Mul", [h, "sig"], ["act"], name="act/Mul")]
        y = linear(nodes, inits, rng, "act", 6, 4, "fc2")
        nodes += [helper.make_node("Identity", [y], ["hidden/out"], name="out/Identity")]
        outs = [("hidden/out", [2, 3, 4])]
    elif kind == "classifier":
        ins = [("x", [2, 5])]
        y = linear(nodes, inits, rng, "x", 5, 7, "head")
        nodes += [helper.make_node("Identity", [y], ["logits"], name="head/Identity")]
        outs = [("logits", [2, 7])]
    elif kind == "two-input":
        ins = [("a", [2, 3]), ("b", [2, 3])]
        inits += [numpy_helper.from_array(np.array(0.5, dtype=np.float32), "half")]
        nodes += [helper.make_node("Add", ["a", "b"], ["s"], name="add"),
                  helper.make_node("Mul", ["s", "half"], ["sum"], name="scale")]
        outs = [("sum", [2, 3])]
    else:
        raise SystemExit("unknown model kind " + kind)
    graph = helper.make_graph(
        nodes, kind,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in ins],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outs],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model, ins


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("model")
    m.add_argument("kind")
    m.add_argument("out")
    m.add_argument("--inputs")
    t = sub.add_parser("truncate")
    t.add_argument("src")
    t.add_argument("out")
    t.add_argument("--keep", type=int, required=True)
    n = sub.add_parser("npy")
    n.add_argument("out")
    n.add_argument("--dtype", default="float32")
    n.add_argument("--shape", required=True)
    g = sub.add_parser("garbage")
    g.add_argument("out")
    a = ap.parse_args()

    rng = np.random.default_rng(0)
    if a.cmd == "model":
        model, ins = build(a.kind, rng)
        onnx.save(model, a.out)
        if a.inputs:
            os.makedirs(a.inputs, exist_ok=True)
            for name, shape in ins:
                np.save(os.path.join(a.inputs, name + ".npy"),
                        rng.standard_normal(shape).astype(np.float32))
    elif a.cmd == "truncate":
        with open(a.src, "rb") as f:
            data = f.read()
        with open(a.out, "wb") as f:
            f.write(data[:a.keep])
    elif a.cmd == "npy":
        shape = [int(d) for d in a.shape.split(",")] if a.shape else []
        np.save(a.out, rng.standard_normal(shape).astype(a.dtype))
    elif a.cmd == "garbage":
        with open(a.out, "w") as f:
            f.write("this is neither an ONNX model nor a .npy array\n")


if __name__ == "__main__":
    main()
