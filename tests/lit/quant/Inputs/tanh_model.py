"""Writes a tiny ONNX model x[2,4,8] -> MatMul -> Tanh (node 'squash') and its input
<model folder>/in/x.npy, for the lowering error test (errors.test).

Usage: tanh_model.py OUT.onnx"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

out = sys.argv[1]
rng = np.random.default_rng(0)
w = numpy_helper.from_array(rng.standard_normal((8, 6)).astype(np.float32), "w")
nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], name="proj"),
         helper.make_node("Tanh", ["h"], ["y"], name="squash")]
graph = helper.make_graph(nodes, "tanh", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4, 6])], [w])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save(model, out)
ind = os.path.join(os.path.dirname(out), "in")
os.makedirs(ind, exist_ok=True)
np.save(os.path.join(ind, "x.npy"), rng.standard_normal((2, 4, 8)).astype(np.float32))
