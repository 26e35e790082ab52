"""Small ONNX models for the frontend lit tests, built with the onnx helper API at test time.

  frontend_models.py KIND OUT.onnx

Kinds:
  unsupported   x[2,6] -> Relu -> Hardmax (no lifting, no interpreter kernel) -> y
  custom-domain x[2,6] -> com.example::Frobnicate -> y
  escape        MatMul whose weight is external data at "../w.bin" (outside the folder)
  gated-norm    Mamba2's RMSNormGated (3 groups of 4) in torch's op spelling
  tied-head     Gather(E, ids) ... MatMul(h, E^T as its own initializer): the tied LM head
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)


def const(name, shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def scalar(name, v, dtype=np.float32):
    return numpy_helper.from_array(np.array(v, dtype=dtype), name)


def ints(name, v):
    return numpy_helper.from_array(np.array(v, dtype=np.int64), name)


def model(nodes, inputs, outputs, inits, opsets=(("", 17),)):
    g = helper.make_graph(nodes, "frontend", inputs, outputs, initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
    m.ir_version = 8
    return m


def vi(name, shape, t=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, t, shape)


def build(kind):
    if kind == "unsupported":
        return model([helper.make_node("Relu", ["x"], ["r"], name="/act/Relu"),
                      helper.make_node("Hardmax", ["r"], ["y"], name="/head/Hardmax")],
                     [vi("x", [2, 6])], [vi("y", [2, 6])], [])
    if kind == "custom-domain":
        return model([helper.make_node("Frobnicate", ["x"], ["y"], name="/frob",
                                       domain="com.example")],
                     [vi("x", [2, 6])], [vi("y", [2, 6])], [],
                     opsets=(("", 17), ("com.example", 1)))
    if kind == "escape":
        w = const("w", (6, 4))
        w.ClearField("raw_data")
        w.ClearField("float_data")
        w.data_location = TensorProto.EXTERNAL
        for k, v in (("location", "../w.bin"), ("offset", "0"), ("length", "96")):
            e = w.external_data.add()
            e.key, e.value = k, v
        return model([helper.make_node("MatMul", ["x", "w"], ["y"], name="/lin/MatMul")],
                     [vi("x", [2, 6])], [vi("y", [2, 4])], [w])
    if kind == "gated-norm":
        B, L, G, g = 2, 5, 3, 4
        D = G * g
        n = [helper.make_node("Sigmoid", ["z"], ["sz"], name="/norm/Sigmoid"),
             helper.make_node("Mul", ["z", "sz"], ["silu"], name="/norm/Mul"),
             helper.make_node("Mul", ["x", "silu"], ["t"], name="/norm/Mul_1"),
             helper.make_node("Reshape", ["t", "gshape"], ["tg"], name="/norm/Reshape"),
             helper.make_node("Pow", ["tg", "two"], ["sq"], name="/norm/Pow"),
             helper.make_node("ReduceMean", ["sq"], ["ms"], axes=[-1], name="/norm/ReduceMean"),
             helper.make_node("Add", ["ms", "eps"], ["mse"], name="/norm/Add"),
             helper.make_node("Sqrt", ["mse"], ["rms"], name="/norm/Sqrt"),
             helper.make_node("Div", ["one", "rms"], ["inv"], name="/norm/Div"),
             helper.make_node("Mul", ["tg", "inv"], ["ng"], name="/norm/Mul_2"),
             helper.make_node("Reshape", ["ng", "shape"], ["nf"], name="/norm/Reshape_1"),
             helper.make_node("Mul", ["nf", "norm.weight"], ["y"], name="/norm/Mul_3")]
        inits = [ints("gshape", [B, L, G, g]), ints("shape", [B, L, D]), scalar("two", 2.0),
                 scalar("eps", 1e-5), scalar("one", 1.0), const("norm.weight", (D,))]
        return model(n, [vi("x", [B, L, D]), vi("z", [B, L, D])], [vi("y", [B, L, D])], inits)
    if kind == "tied-head":
        V, D = 11, 6
        e = rng.standard_normal((V, D)).astype(np.float32)
        n = [helper.make_node("Gather", ["embedding.weight", "ids"], ["h"], name="/emb/Gather"),
             helper.make_node("MatMul", ["h", "head_t"], ["logits"], name="/lm_head/MatMul")]
        inits = [numpy_helper.from_array(e, "embedding.weight"),
                 numpy_helper.from_array(np.ascontiguousarray(e.T), "head_t")]
        return model(n, [vi("ids", [2, 3], TensorProto.INT64)], [vi("logits", [2, 3, V])],
                     inits)
    sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    onnx.save(build(sys.argv[1]), sys.argv[2])
