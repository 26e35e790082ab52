//===- BundleReader.cpp - parse and validate .vimq bytes ----------------------------*- C++ -*-===//
//
// Nothing in the input is trusted: every count, offset and size is bounds-checked before use,
// with overflow-safe arithmetic, and the result is passed through validateBundle().
//
//===----------------------------------------------------------------------------------------===//

#include "BundleLayout.h"
#include "vimq/isa/Bundle.h"
#include "vimq/isa/Checksum.h"

#include "vimq/support/Error.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace vimq::isa {
namespace {

using namespace layout;

struct SectionRef {
  uint32_t kind;
  uint64_t offset, size;
};

/// [offset, offset+size) inside a region of `limit` bytes, without overflow.
bool fits(uint64_t offset, uint64_t size, uint64_t limit) {
  return offset <= limit && size <= limit - offset;
}

Expected<std::vector<SectionRef>> readSectionTable(ArrayRef<uint8_t> bytes) {
  if (bytes.size() < kHeaderSize)
    return makeError("truncated: {0} bytes, the header alone needs {1}", bytes.size(),
                     kHeaderSize);
  if (!std::equal(std::begin(kBundleMagic), std::end(kBundleMagic), bytes.begin()))
    return makeError("bad magic (not a .vimq bundle)");
  const uint8_t *p = bytes.data();
  uint32_t format = readLE<uint32_t>(p + kOffFormat);
  if (format != kBundleFormatVersion)
    return makeError("bundle format version {0} is not supported (this reader: {1})", format,
                     kBundleFormatVersion);
  uint32_t isa = readLE<uint32_t>(p + kOffIsa);
  if (isa != kIsaVersion)
    return makeError("ISA version {0} is not supported (this runtime: {1})", isa, kIsaVersion);
  uint64_t fileSize = readLE<uint64_t>(p + kOffFileSize);
  if (fileSize != bytes.size())
    return makeError("truncated or padded: the header says {0} bytes, the file has {1}",
                     fileSize, bytes.size());
  uint32_t count = readLE<uint32_t>(p + kOffSectionCount);
  if (count > kMaxSections)
    return makeError("{0} sections (at most {1})", count, kMaxSections);
  uint64_t tableEnd = kHeaderSize + uint64_t(count) * kSectionEntrySize;
  if (tableEnd > bytes.size())
    return makeError("truncated: the section table ends at byte {0}, the file has {1}",
                     tableEnd, bytes.size());

  std::vector<uint8_t> headerCopy(bytes.begin(), bytes.begin() + tableEnd);
  std::fill_n(headerCopy.begin() + kOffHeaderCrc, 4, 0);
  uint32_t storedCrc = readLE<uint32_t>(p + kOffHeaderCrc);
  uint32_t crc = crc32(headerCopy);
  if (crc != storedCrc)
    return makeError("header checksum mismatch (stored {0:x8}, computed {1:x8})", storedCrc, crc);

  std::vector<SectionRef> sections;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t *e = p + kHeaderSize + i * kSectionEntrySize;
    SectionRef s{readLE<uint32_t>(e), readLE<uint64_t>(e + 8), readLE<uint64_t>(e + 16)};
    const char *name = sectionName(s.kind);
    if (s.kind == 0 || s.kind > kNumSectionKinds)
      return makeError("section {0}: unknown kind {1}", i, s.kind);
    if (readLE<uint32_t>(e + 4) != 0 || readLE<uint32_t>(e + 28) != 0)
      return makeError("section '{0}': reserved bytes are not zero", name);
    if (s.offset % kAlign != 0 || s.offset < tableEnd)
      return makeError("section '{0}': offset {1} is not {2}-aligned after the section table",
                       name, s.offset, kAlign);
    if (!fits(s.offset, s.size, bytes.size()))
      return makeError("truncated: section '{0}' [{1}, +{2}) extends past the end ({3} bytes)",
                       name, s.offset, s.size, bytes.size());
    for (const SectionRef &o : sections) {
      if (o.kind == s.kind)
        return makeError("section '{0}' appears twice", name);
      if (s.offset < o.offset + o.size && o.offset < s.offset + s.size)
        return makeError("section '{0}' overlaps section '{1}'", name, sectionName(o.kind));
    }
    uint32_t stored = readLE<uint32_t>(e + 24);
    uint32_t actual = crc32(bytes.slice(s.offset, s.size));
    if (stored != actual)
      return makeError("section '{0}' checksum mismatch (stored {1:x8}, computed {2:x8})", name,
                       stored, actual);
    sections.push_back(s);
  }
  for (SectionKind required : {SectionKind::code, SectionKind::buffers, SectionKind::io})
    if (llvm::none_of(sections, [&](const SectionRef &s) {
          return s.kind == static_cast<uint32_t>(required);
        }))
      return makeError("missing section '{0}'", sectionName(static_cast<uint32_t>(required)));
  return sections;
}

/// A count-prefixed table of fixed-size entries.
Expected<uint32_t> tableCount(ArrayRef<uint8_t> sec, size_t entrySize, StringRef name) {
  if (sec.size() < kTableHeaderSize)
    return makeError("section '{0}' is shorter than its count", name);
  uint32_t count = readLE<uint32_t>(sec.data());
  if (readLE<uint32_t>(sec.data() + 4) != 0)
    return makeError("section '{0}': reserved bytes are not zero", name);
  if (sec.size() != kTableHeaderSize + uint64_t(count) * entrySize)
    return makeError("section '{0}': {1} bytes do not hold {2} entries of {3} bytes", name,
                     sec.size(), count, entrySize);
  return count;
}

Error readCode(ArrayRef<uint8_t> sec, Bundle &b) {
  if (sec.size() % kInstrBytes != 0)
    return makeError("section 'code': {0} bytes is not a whole number of {1}-byte instructions",
                     sec.size(), kInstrBytes);
  for (size_t i = 0; i < sec.size(); i += kInstrBytes)
    b.code.push_back(loadInstr(sec.data() + i));
  return Error::success();
}

Error readBuffers(ArrayRef<uint8_t> sec, ArrayRef<uint8_t> data, Bundle &b) {
  Expected<uint32_t> count = tableCount(sec, kBufferEntrySize, "buffers");
  if (!count)
    return count.takeError();
  if (*count > kMaxBuffers)
    return makeError("{0} buffers (at most {1})", *count, kMaxBuffers);
  for (uint32_t i = 0; i < *count; ++i) {
    const uint8_t *e = sec.data() + kTableHeaderSize + i * kBufferEntrySize;
    BufferDesc buf;
    buf.id = readLE<uint32_t>(e);
    buf.kind = static_cast<BufferKind>(readLE<uint32_t>(e + 4));
    buf.size = readLE<uint64_t>(e + 8);
    uint64_t initOff = readLE<uint64_t>(e + 16), initSize = readLE<uint64_t>(e + 24);
    if (!fits(initOff, initSize, data.size()))
      return makeError("buffer {0}: initial data [{1}, +{2}) lies outside section 'data' ({3} "
                       "bytes)",
                       buf.id, initOff, initSize, data.size());
    // Checked here too (validateBundle repeats it) so that a huge init is never copied.
    if (initSize > buf.size)
      return makeError("buffer {0}: {1} bytes of initial data exceed its size {2}", buf.id,
                       initSize, buf.size);
    ArrayRef<uint8_t> init = data.slice(initOff, initSize);
    buf.init.assign(init.begin(), init.end());
    b.buffers.push_back(std::move(buf));
  }
  return Error::success();
}

Error readIo(ArrayRef<uint8_t> sec, Bundle &b) {
  Expected<uint32_t> count = tableCount(sec, kIoEntrySize, "io");
  if (!count)
    return count.takeError();
  for (uint32_t i = 0; i < *count; ++i) {
    const uint8_t *e = sec.data() + kTableHeaderSize + i * kIoEntrySize;
    const uint8_t *nul = std::find(e, e + 64, uint8_t(0));
    if (nul == e + 64)
      return makeError("I/O entry {0}: name is not NUL-terminated", i);
    IoDesc io;
    io.name.assign(reinterpret_cast<const char *>(e), nul - e);
    uint8_t direction = e[64], rank = e[68];
    if (direction > 1)
      return makeError("I/O '{0}': direction {1} is neither input (0) nor output (1)", io.name,
                       direction);
    if (rank > kMaxIoRank)
      return makeError("I/O '{0}': rank {1} exceeds {2}", io.name, rank, kMaxIoRank);
    if (enumValueName(EnumKind::DType, e[65]).empty())
      return makeError("I/O '{0}': unknown dtype {1}", io.name, e[65]);
    io.dtype = static_cast<DType>(e[65]);
    io.host = static_cast<HostFormat>(e[66]);
    io.frac = e[67];
    // Bytes 69..71 and the unused dims are reserved: zero, so that later versions can use them.
    if (e[69] || e[70] || e[71] ||
        !std::all_of(e + 88 + 8 * rank, e + kIoEntrySize, [](uint8_t v) { return v == 0; }))
      return makeError("I/O '{0}': reserved bytes are not zero", io.name);
    io.limit = readLE<uint32_t>(e + 76);
    io.buffer = readLE<uint32_t>(e + 72);
    io.offset = readLE<uint64_t>(e + 80);
    for (uint8_t d = 0; d < rank; ++d)
      io.shape.push_back(readLE<int64_t>(e + 88 + 8 * d));
    (direction == 0 ? b.inputs : b.outputs).push_back(std::move(io));
  }
  return Error::success();
}

Expected<Bundle> parseUnprefixed(ArrayRef<uint8_t> bytes) {
  Expected<std::vector<SectionRef>> sections = readSectionTable(bytes);
  if (!sections)
    return sections.takeError();
  Bundle b;
  b.fingerprint = readLE<uint64_t>(bytes.data() + kOffFingerprint);
  ArrayRef<uint8_t> targetField = bytes.slice(kOffTarget, kTargetFieldSize);
  auto nul = llvm::find(targetField, uint8_t(0));
  if (nul == targetField.end())
    return makeError("target name is not NUL-terminated");
  b.target.assign(targetField.begin(), nul);

  auto section = [&](SectionKind k) {
    for (const SectionRef &s : *sections)
      if (s.kind == static_cast<uint32_t>(k))
        return bytes.slice(s.offset, s.size);
    return ArrayRef<uint8_t>();
  };
  if (Error e = readCode(section(SectionKind::code), b))
    return e;
  if (Error e = readBuffers(section(SectionKind::buffers), section(SectionKind::data), b))
    return e;
  if (Error e = readIo(section(SectionKind::io), b))
    return e;
  ArrayRef<uint8_t> meta = section(SectionKind::metadata);
  b.metadata.assign(meta.begin(), meta.end());
  if (Error e = validateBundle(b))
    return e;
  return b;
}

} // namespace

Expected<Bundle> parseBundle(ArrayRef<uint8_t> bytes, StringRef nameForErrors) {
  Expected<Bundle> b = parseUnprefixed(bytes);
  if (!b)
    return withContext(b.takeError(), nameForErrors);
  return b;
}

Expected<Bundle> readBundleFile(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf =
      MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("{0}: cannot read: {1}", path, buf.getError().message());
  ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()),
                          (*buf)->getBufferSize());
  return parseBundle(bytes, path);
}

} // namespace vimq::isa
