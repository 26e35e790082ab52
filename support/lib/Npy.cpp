#include "vimq/support/Npy.h"
#include "vimq/support/Error.h"
#include "vimq/support/FileUtil.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

namespace vimq {

namespace {

struct DescrEntry {
  const char *descr;
  DType dtype;
};
// Little-endian (or byte-order-free) descriptors only.
constexpr DescrEntry kDescrs[] = {
    {"<f4", DType::F32}, {"<f8", DType::F64}, {"<f2", DType::F16}, {"<i8", DType::I64},
    {"<i4", DType::I32}, {"<i2", DType::I16}, {"|i1", DType::I8},  {"|u1", DType::U8},
    {"|b1", DType::Bool}};

/// Finds the value text of `'key': value` in a header dict.
std::optional<llvm::StringRef> dictValue(llvm::StringRef header, llvm::StringRef key) {
  std::string quoted = "'" + key.str() + "'";
  size_t pos = header.find(quoted);
  if (pos == llvm::StringRef::npos)
    return std::nullopt;
  llvm::StringRef rest = header.drop_front(pos + quoted.size()).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

} // namespace

llvm::Expected<Tensor> parseNpy(llvm::StringRef bytes, llvm::StringRef name) {
  if (bytes.size() < 10 || !bytes.startswith("\x93NUMPY"))
    return makeError("{0}: not a .npy file (bad magic)", name);
  uint8_t major = uint8_t(bytes[6]);
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = uint8_t(bytes[8]) | size_t(uint8_t(bytes[9])) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return makeError("{0}: truncated .npy header", name);
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    return makeError("{0}: unsupported .npy format version {1}", name, int(major));
  }
  if (bytes.size() < offset + headerLen)
    return makeError("{0}: truncated .npy header", name);
  llvm::StringRef header = bytes.substr(offset, headerLen);

  auto descrV = dictValue(header, "descr");
  auto fortranV = dictValue(header, "fortran_order");
  auto shapeV = dictValue(header, "shape");
  if (!descrV || !fortranV || !shapeV)
    return makeError("{0}: malformed .npy header '{1}'", name, header.trim());
  // The dict values are quoted strings / tuples; an empty or unquoted one is malformed.
  if (descrV->empty() || (descrV->front() != '\'' && descrV->front() != '"'))
    return makeError("{0}: .npy header has no quoted 'descr' string", name);
  if (shapeV->empty() || shapeV->front() != '(')
    return makeError("{0}: .npy header has no 'shape' tuple", name);
  llvm::StringRef descr = descrV->drop_front(1);
  descr = descr.take_until([](char c) { return c == '\'' || c == '"'; });
  std::optional<DType> dtype;
  for (const auto &e : kDescrs)
    if (descr == e.descr || (descr.size() == 3 && e.descr[0] == '|' && descr[0] == '<' &&
                             descr.substr(1) == llvm::StringRef(e.descr).substr(1)))
      dtype = e.dtype;
  if (!dtype)
    return makeError("{0}: unsupported .npy dtype '{1}' (supported: float32, float16, float64, "
                     "int64, int32, int16, int8, uint8, bool; little-endian)",
                     name, descr);
  if (fortranV->startswith("True"))
    return makeError("{0}: Fortran-order .npy arrays are not supported (save a C-order array)",
                     name);
  llvm::StringRef shapeText = shapeV->drop_front(1).take_until([](char c) { return c == ')'; });
  Shape shape;
  llvm::SmallVector<llvm::StringRef, 4> parts;
  shapeText.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef p : parts) {
    p = p.trim();
    if (p.empty())
      continue;
    int64_t d;
    if (p.getAsInteger(10, d) || d < 0)
      return makeError("{0}: bad .npy shape '({1})'", name, shapeText);
    shape.push_back(d);
  }
  std::optional<uint64_t> nbytes = checkedByteSize(*dtype, shape);
  if (!nbytes)
    return makeError("{0}: .npy shape {1} has too many elements", name, shapeStr(shape));
  // Checked before the tensor is allocated: the header alone must not make us allocate.
  size_t dataOff = offset + headerLen;
  if (bytes.size() - dataOff < *nbytes)
    return makeError("{0}: truncated .npy data: expected {1} bytes for {2} {3}, found {4}", name,
                     *nbytes, dtypeName(*dtype), shapeStr(shape), bytes.size() - dataOff);
  Tensor t(*dtype, shape, Tensor::Uninitialized);
  if (t.nbytes())
    std::memcpy(t.raw(), bytes.data() + dataOff, t.nbytes());
  return t;
}

llvm::Expected<Tensor> readNpy(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("{0}: cannot read: {1}", path, buf.getError().message());
  return parseNpy((*buf)->getBuffer(), path);
}

std::string serializeNpy(const Tensor &t) {
  const char *descr = "<f4";
  for (const auto &e : kDescrs)
    if (e.dtype == t.dtype())
      descr = e.descr;
  std::string shape = "(";
  for (int64_t d : t.shape())
    shape += std::to_string(d) + ", ";
  if (t.rank() > 1)
    shape.resize(shape.size() - 1), shape.back() = ')';
  else if (t.rank() == 1)
    shape.resize(shape.size() - 1), shape.back() = ')', shape.insert(shape.size() - 1, ",");
  else
    shape += ")";
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " +
                       shape + ", }";
  // Pad so that the data starts on a 64-byte boundary; the header ends with '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char *>(t.raw()), t.nbytes());
  return out;
}

llvm::Error writeNpy(llvm::StringRef path, const Tensor &t) {
  return writeFileAtomically(path, serializeNpy(t));
}

} // namespace vimq
