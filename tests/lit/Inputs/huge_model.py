"""A valid ONNX model whose MatMul result is 200000 x 200000 f32 (149 GiB): the importer must
refuse it by name (huge-dims.test). Usage: huge_model.py OUT.onnx"""
import onnx, sys
from onnx import helper, TensorProto
g = helper.make_graph([helper.make_node("MatMul", ["x", "y"], ["z"], name="mm")], "huge",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 200000, 64]),
     helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64, 200000])],
    [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 200000, 200000])])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
