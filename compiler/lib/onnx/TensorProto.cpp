//===- TensorProto.cpp - onnx.TensorProto -> vimq::Tensor ------------------------------------===//
//
// ONNX stores tensor data either as little-endian `raw_data` or in the typed repeated fields,
// whose choice depends on the element type (e.g. float16, int8 and bool travel in int32_data).
// Every form is accepted; sizes are checked against the dims so a corrupt file is an error,
// not an out-of-bounds read.
//
//===----------------------------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include "vimq/onnx/Importer.h"
#include "vimq/support/Error.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <limits>

namespace vimq::onnximport {

using onnx::TensorProto;

std::optional<DType> dtypeFromOnnx(int32_t onnxType) {
  switch (onnxType) {
  case TensorProto::FLOAT: return DType::F32;
  case TensorProto::DOUBLE: return DType::F64;
  case TensorProto::FLOAT16: return DType::F16;
  case TensorProto::INT64: return DType::I64;
  case TensorProto::INT32: return DType::I32;
  case TensorProto::INT16: return DType::I16;
  case TensorProto::INT8: return DType::I8;
  case TensorProto::UINT8: return DType::U8;
  case TensorProto::BOOL: return DType::Bool;
  default: return std::nullopt;
  }
}

int32_t onnxTypeFromDType(DType t) {
  switch (t) {
  case DType::F32: return TensorProto::FLOAT;
  case DType::F64: return TensorProto::DOUBLE;
  case DType::F16: return TensorProto::FLOAT16;
  case DType::I64: return TensorProto::INT64;
  case DType::I32: return TensorProto::INT32;
  case DType::I16: return TensorProto::INT16;
  case DType::I8: return TensorProto::INT8;
  case DType::U8: return TensorProto::UINT8;
  case DType::Bool: return TensorProto::BOOL;
  }
  return TensorProto::UNDEFINED;
}

TensorProto tensorToProto(const Tensor &t, llvm::StringRef name) {
  TensorProto p;
  p.set_name(name.str());
  p.set_data_type(onnxTypeFromDType(t.dtype()));
  for (int64_t d : t.shape())
    p.add_dims(d);
  p.set_raw_data(t.raw(), t.nbytes());
  return p;
}

std::string onnxTypeName(int32_t onnxType) {
  if (TensorProto::DataType_IsValid(onnxType))
    return TensorProto::DataType_Name(TensorProto::DataType(onnxType));
  return "<invalid " + std::to_string(onnxType) + ">";
}

std::string oneLine(llvm::StringRef msg) {
  std::string s = msg.trim().str();
  for (char &c : s)
    if (c == '\n' || c == '\r')
      c = ' ';
  return s;
}

/// Copies `n` typed-field elements into `out`, narrowing to the tensor's element type.
template <typename Dst, typename Field>
static void copyField(const Field &field, Tensor &out) {
  Dst *dst = out.data<Dst>();
  for (int i = 0, e = field.size(); i < e; ++i)
    dst[i] = static_cast<Dst>(field.Get(i));
}

llvm::Expected<Tensor> tensorFromProto(const TensorProto &t, llvm::StringRef what) {
  std::optional<DType> dt = dtypeFromOnnx(t.data_type());
  if (!dt)
    return makeError("{0}: element type {1} is not supported", what,
                     onnxTypeName(t.data_type()));
  if (t.data_location() == TensorProto::EXTERNAL)
    return makeError("{0}: external data was not resolved", what);
  if (t.has_segment())
    return makeError("{0}: segmented tensors are not supported", what);
  Shape shape;
  int64_t numel = 1;
  for (int64_t d : t.dims()) {
    // Guard the product: a corrupt dim must not wrap around to a small allocation.
    if (d < 0 || (d > 0 && numel > std::numeric_limits<int32_t>::max() * int64_t(64) / d))
      return makeError("{0}: invalid or too large dimension {1}", what, d);
    shape.push_back(d);
    numel *= d;
  }
  size_t elemSize = dtypeSize(*dt);
  if (t.has_raw_data()) {
    const std::string &raw = t.raw_data();
    if (raw.size() != size_t(numel) * elemSize)
      return makeError("{0}: raw_data has {1} bytes, expected {2} for {3} x {4}", what,
                       raw.size(), size_t(numel) * elemSize, shapeStr(shape),
                       dtypeName(*dt));
    Tensor out(*dt, shape, Tensor::Uninitialized); // every byte is copied below
    if (numel)
      std::memcpy(out.raw(), raw.data(), raw.size());
    return out;
  }
  Tensor out(*dt, shape);
  // Typed fields. Which field holds which type is fixed by onnx.proto.
  int64_t have = 0;
  switch (t.data_type()) {
  case TensorProto::FLOAT: have = t.float_data_size(); break;
  case TensorProto::DOUBLE: have = t.double_data_size(); break;
  case TensorProto::INT64: have = t.int64_data_size(); break;
  default: have = t.int32_data_size(); break;
  }
  if (have != numel)
    return makeError("{0}: has {1} stored elements, expected {2} for shape {3}", what, have,
                     numel, shapeStr(shape));
  switch (*dt) {
  case DType::F32: copyField<float>(t.float_data(), out); break;
  case DType::F64: copyField<double>(t.double_data(), out); break;
  case DType::I64: copyField<int64_t>(t.int64_data(), out); break;
  case DType::I32: copyField<int32_t>(t.int32_data(), out); break;
  case DType::I16: copyField<int16_t>(t.int32_data(), out); break;
  case DType::I8: copyField<int8_t>(t.int32_data(), out); break;
  case DType::U8: copyField<uint8_t>(t.int32_data(), out); break;
  case DType::Bool: copyField<bool>(t.int32_data(), out); break;
  case DType::F16: {
    // float16 values travel as their 16-bit patterns in int32_data.
    auto *dst = reinterpret_cast<uint16_t *>(out.raw());
    for (int64_t i = 0; i < numel; ++i)
      dst[i] = uint16_t(t.int32_data(int(i)));
    break;
  }
  }
  return out;
}

} // namespace vimq::onnximport

namespace vimq {

llvm::Expected<Tensor> readTensorProtoFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("cannot read '{0}': {1}", path, buf.getError().message());
  onnx::TensorProto t;
  if ((*buf)->getBufferSize() > size_t(std::numeric_limits<int>::max()) ||
      !t.ParseFromArray((*buf)->getBufferStart(), int((*buf)->getBufferSize())))
    return makeError("'{0}' is not a serialized onnx.TensorProto", path);
  llvm::SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  std::string what = ("'" + path + "'").str();
  if (llvm::Error e = onnximport::resolveExternalData(t, dir))
    return withContext(std::move(e), path);
  return onnximport::tensorFromProto(t, what);
}

} // namespace vimq
