"""A 2-D Conv whose `pads` has one value instead of four: ONNX 1.12's shape inference reads past
it (found by fuzzing, fuzz/regressions/Onnx/conv-pads-one-value.onnx); the importer must refuse
it by name first (bad-conv-attrs.test). Usage: bad_conv_model.py OUT.onnx"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

w = numpy_helper.from_array(np.ones((4, 3, 2, 2), np.float32), "w")
node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[0], strides=[2, 2])
g = helper.make_graph([node], "badconv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 4, 4])], [w])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
