//===- Bundle.cpp - semantic validation of bundles ---------------------------------*- C++ -*-===//

#include "vimq/isa/Bundle.h"

#include "vimq/support/Error.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

using namespace llvm;

namespace vimq::isa {

StringRef bufferKindName(BufferKind k) {
  switch (k) {
  case BufferKind::weights:
    return "weights";
  case BufferKind::input:
    return "input";
  case BufferKind::output:
    return "output";
  case BufferKind::scratch:
    return "scratch";
  }
  return "unknown";
}

StringRef hostFormatName(HostFormat h) {
  switch (h) {
  case HostFormat::raw:
    return "raw";
  case HostFormat::fixed:
    return "fixed";
  case HostFormat::index:
    return "index";
  }
  return "unknown";
}

uint64_t IoDesc::numElements() const {
  uint64_t n = 1;
  for (int64_t d : shape)
    n *= static_cast<uint64_t>(d);
  return n;
}

const BufferDesc *Bundle::findBuffer(uint32_t id) const {
  for (const BufferDesc &b : buffers)
    if (b.id == id)
      return &b;
  return nullptr;
}
BufferDesc *Bundle::findBuffer(uint32_t id) {
  return const_cast<BufferDesc *>(std::as_const(*this).findBuffer(id));
}

Error checkDmaRanges(const Bundle &b) {
  for (size_t i = 0; i < b.code.size(); ++i) {
    std::optional<DdrRange> r = ddrRange(b.code[i]);
    if (!r)
      continue;
    StringRef op = r->write ? "STORE" : "LOAD";
    const BufferDesc *buf = b.findBuffer(r->buffer);
    if (!buf)
      return makeError("instruction {0} ({1}): DDR buffer {2} is not in the buffer table", i, op,
                       r->buffer);
    if (r->write && (buf->kind == BufferKind::weights || buf->kind == BufferKind::input))
      return makeError("instruction {0} (STORE): writes {1} buffer {2}", i,
                       bufferKindName(buf->kind), r->buffer);
    if (r->end > buf->size)
      return makeError("instruction {0} ({1}): DDR bytes [{2}, {3}) lie outside buffer {4} "
                       "({5} bytes)",
                       i, op, r->begin, r->end, r->buffer, buf->size);
  }
  return Error::success();
}

namespace {

Error validateBuffers(const Bundle &b) {
  if (b.buffers.size() > kMaxBuffers)
    return makeError("{0} buffers (at most {1})", b.buffers.size(), kMaxBuffers);
  DenseSet<uint32_t> ids;
  uint64_t total = 0, zeroFilled = 0;
  for (const BufferDesc &buf : b.buffers) {
    if (buf.id >= kMaxBuffers)
      return makeError("buffer id {0} does not fit the 8-bit ddr_buf field", buf.id);
    if (!ids.insert(buf.id).second)
      return makeError("buffer id {0} appears twice", buf.id);
    if (bufferKindName(buf.kind) == "unknown")
      return makeError("buffer {0}: unknown kind {1}", buf.id, static_cast<uint32_t>(buf.kind));
    if (buf.size == 0 || buf.size > kMaxTotalBufferBytes - total)
      return makeError("buffer {0}: size {1} is zero or exceeds the {2}-byte total", buf.id,
                       buf.size, kMaxTotalBufferBytes);
    total += buf.size;
    if (!buf.init.empty() && buf.kind != BufferKind::weights)
      return makeError("buffer {0}: only weights buffers carry initial data", buf.id);
    if (buf.init.size() > buf.size)
      return makeError("buffer {0}: {1} bytes of initial data exceed its size {2}", buf.id,
                       buf.init.size(), buf.size);
    zeroFilled += buf.size - buf.init.size(); // <= total, so no overflow
    if (zeroFilled > kMaxZeroFilledBufferBytes)
      return makeError("buffer {0}: the buffers hold more than {1} bytes beyond their initial "
                       "data (input, output, scratch and zero tails of weights)",
                       buf.id, kMaxZeroFilledBufferBytes);
  }
  return Error::success();
}

Error validateIo(const Bundle &b) {
  StringSet<> names;
  struct Span {
    uint32_t buffer;
    uint64_t begin, end;
    StringRef name;
  };
  SmallVector<Span, 8> spans;
  for (bool isInput : {true, false}) {
    for (const IoDesc &io : isInput ? b.inputs : b.outputs) {
      StringRef what = isInput ? "input" : "output";
      if (io.name.empty() || io.name.size() > kMaxIoName)
        return makeError("{0} name '{1}' is empty or longer than {2} bytes", what, io.name,
                         kMaxIoName);
      if (!names.insert(io.name).second)
        return makeError("I/O name '{0}' appears twice", io.name);
      if (io.shape.size() > kMaxIoRank)
        return makeError("{0} '{1}': rank {2} exceeds {3}", what, io.name, io.shape.size(),
                         kMaxIoRank);
      uint64_t n = 1;
      for (int64_t d : io.shape) {
        // Bounding every dimension by the largest buffer keeps the product from overflowing.
        if (d <= 0 || static_cast<uint64_t>(d) > kMaxTotalBufferBytes)
          return makeError("{0} '{1}': dimension {2} is not positive or too large", what,
                           io.name, d);
        n *= static_cast<uint64_t>(d);
        if (n > kMaxTotalBufferBytes)
          return makeError("{0} '{1}': too many elements", what, io.name);
      }
      if (dtypeBytes(io.dtype) == 0)
        return makeError("{0} '{1}': unknown dtype {2}", what, io.name,
                         static_cast<unsigned>(io.dtype));
      if (io.host == HostFormat::fixed && (io.frac > 31 || io.dtype == DType::f32 ||
                                           io.dtype == DType::f16))
        return makeError("{0} '{1}': fixed-point host format needs an integer dtype and "
                         "frac <= 31",
                         what, io.name);
      if (hostFormatName(io.host) == "unknown")
        return makeError("{0} '{1}': unknown host format {2}", what, io.name,
                         static_cast<unsigned>(io.host));
      if (io.host == HostFormat::index &&
          (!isInput || io.dtype != DType::i32 || io.frac != 0 || io.limit == 0))
        return makeError("{0} '{1}': the index host format needs an input of dtype i32, frac 0 "
                         "and a limit >= 1",
                         what, io.name);
      if (io.host != HostFormat::index && io.limit != 0)
        return makeError("{0} '{1}': limit {2} is only meaningful for the index host format",
                         what, io.name, io.limit);
      const BufferDesc *buf = b.findBuffer(io.buffer);
      BufferKind want = isInput ? BufferKind::input : BufferKind::output;
      if (!buf || buf->kind != want)
        return makeError("{0} '{1}': buffer {2} is not an {0} buffer", what, io.name, io.buffer);
      uint64_t end = io.offset + io.numBytes();
      if (io.offset > buf->size || end > buf->size)
        return makeError("{0} '{1}': bytes [{2}, {3}) lie outside buffer {4} ({5} bytes)", what,
                         io.name, io.offset, end, io.buffer, buf->size);
      for (const Span &s : spans)
        if (s.buffer == io.buffer && io.offset < s.end && s.begin < end)
          return makeError("I/O '{0}' overlaps '{1}' in buffer {2}", io.name, s.name, io.buffer);
      spans.push_back({io.buffer, io.offset, end, io.name});
    }
  }
  return Error::success();
}

} // namespace

Error validateBundle(const Bundle &b) {
  if (b.target.size() > kMaxTargetName)
    return makeError("target name '{0}' is longer than {1} bytes", b.target, kMaxTargetName);
  if (b.code.empty())
    return makeError("the program is empty (it must end with FINISH)");
  for (size_t i = 0; i < b.code.size(); ++i) {
    if (Error e = verify(b.code[i], i))
      return e;
    bool isFinish = opcodeOf(b.code[i]) == Opcode::FINISH;
    if (isFinish != (i + 1 == b.code.size()))
      return makeError("instruction {0}: {1}", i,
                       isFinish ? "FINISH before the end of the program"
                                : "the program does not end with FINISH");
  }
  if (Error e = validateBuffers(b))
    return e;
  if (Error e = validateIo(b))
    return e;
  return checkDmaRanges(b);
}

} // namespace vimq::isa
