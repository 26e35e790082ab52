//===- ExternalData.cpp - resolving ONNX external tensor data safely -------------------------===//
//
// Models over 2 GB keep their weights in side files named by a relative `location`. A model is
// untrusted input, so the location must stay inside the model's folder: absolute paths, ".."
// components and symlinks that resolve outside the folder are all rejected, and offset/length
// are checked against the real file size before anything is read.
//
//===----------------------------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include "vimq/support/Error.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace vimq::onnximport {

namespace path = llvm::sys::path;
namespace fs = llvm::sys::fs;

static llvm::Expected<uint64_t> parseSize(llvm::StringRef key, llvm::StringRef value,
                                          llvm::StringRef tensor) {
  uint64_t v;
  if (value.getAsInteger(10, v))
    return makeError("tensor '{0}': external data {1} '{2}' is not a non-negative integer",
                     tensor, key, value);
  return v;
}

llvm::Error resolveExternalData(onnx::TensorProto &t, llvm::StringRef baseDir) {
  if (t.data_location() != onnx::TensorProto::EXTERNAL)
    return llvm::Error::success();
  llvm::StringRef name = t.name();
  std::string location;
  std::optional<uint64_t> offset, length;
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset" || kv.key() == "length") {
      auto v = parseSize(kv.key(), kv.value(), name);
      if (!v)
        return v.takeError();
      (kv.key() == "offset" ? offset : length) = *v;
    }
    // "checksum" and unknown keys are informational.
  }
  if (location.empty())
    return makeError("tensor '{0}': external data has no location", name);
  if (path::is_absolute(location))
    return makeError("tensor '{0}': external data location '{1}' is absolute; it must be "
                     "relative to the model's folder",
                     name, location);
  for (auto it = path::begin(location), e = path::end(location); it != e; ++it)
    if (*it == "..")
      return makeError("tensor '{0}': external data location '{1}' leaves the model's folder",
                       name, location);

  // Resolve symlinks on both sides and require the file to lie below the folder.
  llvm::SmallString<256> dirReal, fileReal, joined(baseDir);
  path::append(joined, location);
  if (std::error_code ec = fs::real_path(baseDir, dirReal))
    return makeError("tensor '{0}': cannot resolve model folder '{1}': {2}", name, baseDir,
                     ec.message());
  if (std::error_code ec = fs::real_path(joined, fileReal))
    return makeError("tensor '{0}': cannot open external data file '{1}': {2}", name, joined,
                     ec.message());
  llvm::StringRef fileRef = fileReal;
  if (!fileRef.startswith(dirReal) || fileRef.size() <= dirReal.size() ||
      !path::is_separator(fileRef[dirReal.size()]))
    return makeError("tensor '{0}': external data location '{1}' resolves to '{2}', outside "
                     "the model's folder",
                     name, location, fileReal);
  if (!fs::is_regular_file(fileReal))
    return makeError("tensor '{0}': external data '{1}' is not a regular file", name, joined);

  uint64_t fileSize = 0;
  if (std::error_code ec = fs::file_size(fileReal, fileSize))
    return makeError("tensor '{0}': cannot stat '{1}': {2}", name, joined, ec.message());
  std::optional<DType> dt = dtypeFromOnnx(t.data_type());
  if (!dt)
    return makeError("tensor '{0}': element type {1} is not supported", name,
                     onnxTypeName(t.data_type()));
  uint64_t expected = dtypeSize(*dt);
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && expected > (uint64_t(1) << 62) / uint64_t(d)))
      return makeError("tensor '{0}': invalid dimension {1}", name, d);
    expected *= uint64_t(d);
  }
  uint64_t off = offset.value_or(0);
  if (length && *length != expected)
    return makeError("tensor '{0}': external data length {1} does not match the tensor size "
                     "{2} bytes",
                     name, *length, expected);
  if (off > fileSize || expected > fileSize - off)
    return makeError("tensor '{0}': external data [{1}, {1}+{2}) exceeds the size {3} of '{4}'",
                     name, off, expected, fileSize, joined);

  auto buf = llvm::MemoryBuffer::getFileSlice(fileReal, expected, off);
  if (!buf)
    return makeError("tensor '{0}': cannot read '{1}': {2}", name, joined,
                     buf.getError().message());
  t.set_raw_data((*buf)->getBufferStart(), (*buf)->getBufferSize());
  t.clear_external_data();
  t.set_data_location(onnx::TensorProto::DEFAULT);
  return llvm::Error::success();
}

} // namespace vimq::onnximport
