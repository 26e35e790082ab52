//===- OnnxInternal.h - helpers shared by the importer's files ------------------*- C++ -*-===//
//
// Private to vimq_onnx: the ONNX protobuf types never leak into the public headers, so that
// users of the importer do not need ONNX's include paths or its ONNX_NAMESPACE definition.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/onnx/Importer.h"
#include "vimq/support/Tensor.h"

#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

#include <optional>

namespace vimq::onnximport {

/// The vimq element type of an ONNX TensorProto.DataType, if vimq has one.
std::optional<DType> dtypeFromOnnx(int32_t onnxType);
int32_t onnxTypeFromDType(DType t);
/// "FLOAT", "STRING", ... for messages.
std::string onnxTypeName(int32_t onnxType);

/// Converts a TensorProto (raw_data or typed fields; external data must already be resolved)
/// into a Tensor. `what` names the tensor in errors ("initializer 'w'").
llvm::Expected<Tensor> tensorFromProto(const onnx::TensorProto &t, llvm::StringRef what);

/// The inverse, as raw_data; `name` becomes the proto's name.
onnx::TensorProto tensorToProto(const Tensor &t, llvm::StringRef name);

/// Replaces the external data reference of `t` by its bytes, read from a file below
/// `baseDir`. The location must be relative and must not leave `baseDir` (no "..", no symlink
/// pointing outside); offset and length are checked against the file size and the tensor
/// size. No-op for tensors stored inline.
llvm::Error resolveExternalData(onnx::TensorProto &t, llvm::StringRef baseDir);

/// Registers the ONNX schemas of ai.vimq::SelectiveScan / SSDScan (once per process).
void registerVimqSchemas();

/// For an op of the standard domain in a model of opset `modelOpset`: the first definition
/// version up to `targetOpset` that changed its meaning (OpsetCompat.cpp), or none when opset
/// `targetOpset`'s definition means the same for vimq's tensors.
std::optional<int> firstIncompatibleVersion(llvm::StringRef op, int64_t modelOpset,
                                            int64_t targetOpset);

/// Writes the user's input sizes into the model's graph inputs (InputShapes.cpp); errors
/// name the input and the mismatch.
llvm::Error pinInputShapes(onnx::ModelProto &m, llvm::ArrayRef<InputShape> shapes);

/// Collapses a multi-line library message (ONNX checker, shape inference) into one line.
std::string oneLine(llvm::StringRef msg);

} // namespace vimq::onnximport
