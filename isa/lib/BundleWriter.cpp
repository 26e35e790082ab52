//===- BundleWriter.cpp - serialize a Bundle to .vimq bytes -------------------------*- C++ -*-===//

#include "BundleLayout.h"
#include "vimq/isa/Bundle.h"
#include "vimq/isa/Checksum.h"

#include "vimq/support/Error.h"
#include "vimq/support/FileUtil.h"

using namespace llvm;

namespace vimq::isa {
namespace {

using namespace layout;

void appendLE(std::string &out, uint64_t v, size_t bytes) {
  size_t at = out.size();
  out.resize(at + bytes);
  for (size_t i = 0; i < bytes; ++i)
    out[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

void padTo(std::string &out, size_t size) {
  if (out.size() < size)
    out.resize(size, '\0');
}

std::string codeSection(const Bundle &b) {
  std::string s(b.code.size() * kInstrBytes, '\0');
  for (size_t i = 0; i < b.code.size(); ++i)
    storeInstr(b.code[i], reinterpret_cast<uint8_t *>(&s[i * kInstrBytes]));
  return s;
}

/// The data section and, per buffer, the offset of its initial bytes in it.
std::string dataSection(const Bundle &b, std::vector<uint64_t> &initOffsets) {
  std::string s;
  for (const BufferDesc &buf : b.buffers) {
    initOffsets.push_back(s.size());
    s.append(buf.init.begin(), buf.init.end());
    padTo(s, alignUp(s.size()));
  }
  return s;
}

std::string buffersSection(const Bundle &b, ArrayRef<uint64_t> initOffsets) {
  std::string s;
  appendLE(s, b.buffers.size(), 4);
  appendLE(s, 0, 4);
  for (size_t i = 0; i < b.buffers.size(); ++i) {
    const BufferDesc &buf = b.buffers[i];
    appendLE(s, buf.id, 4);
    appendLE(s, static_cast<uint32_t>(buf.kind), 4);
    appendLE(s, buf.size, 8);
    appendLE(s, buf.init.empty() ? 0 : initOffsets[i], 8);
    appendLE(s, buf.init.size(), 8);
  }
  return s;
}

std::string ioSection(const Bundle &b) {
  std::string s;
  appendLE(s, b.inputs.size() + b.outputs.size(), 4);
  appendLE(s, 0, 4);
  for (bool isInput : {true, false}) {
    for (const IoDesc &io : isInput ? b.inputs : b.outputs) {
      size_t at = s.size();
      s.resize(at + kIoEntrySize, '\0');
      std::copy(io.name.begin(), io.name.end(), s.begin() + at);
      s[at + 64] = isInput ? 0 : 1;
      s[at + 65] = static_cast<char>(io.dtype);
      s[at + 66] = static_cast<char>(io.host);
      s[at + 67] = static_cast<char>(io.frac);
      s[at + 68] = static_cast<char>(io.shape.size());
      writeLE<uint32_t>(s, at + 72, io.buffer);
      writeLE<uint32_t>(s, at + 76, io.limit);
      writeLE<uint64_t>(s, at + 80, io.offset);
      for (size_t d = 0; d < io.shape.size(); ++d)
        writeLE<int64_t>(s, at + 88 + 8 * d, io.shape[d]);
    }
  }
  return s;
}

} // namespace

Expected<std::string> serializeBundle(const Bundle &b) {
  // Writing only valid bundles means a compiler bug surfaces at compile time, not on a board.
  if (Error e = validateBundle(b))
    return e;

  std::vector<uint64_t> initOffsets;
  std::pair<SectionKind, std::string> sections[] = {
      {SectionKind::code, codeSection(b)},
      {SectionKind::data, dataSection(b, initOffsets)},
      {SectionKind::buffers, ""},
      {SectionKind::io, ioSection(b)},
      {SectionKind::metadata, b.metadata},
  };
  sections[2].second = buffersSection(b, initOffsets);

  std::string out(kHeaderSize + std::size(sections) * kSectionEntrySize, '\0');
  std::copy(std::begin(kBundleMagic), std::end(kBundleMagic), out.begin());
  writeLE<uint32_t>(out, kOffFormat, kBundleFormatVersion);
  writeLE<uint32_t>(out, kOffIsa, kIsaVersion);
  writeLE<uint64_t>(out, kOffFingerprint, b.fingerprint);
  std::copy(b.target.begin(), b.target.end(), out.begin() + kOffTarget);
  writeLE<uint32_t>(out, kOffSectionCount, std::size(sections));

  size_t entry = kHeaderSize;
  for (auto &[kind, bytes] : sections) {
    padTo(out, alignUp(out.size()));
    uint64_t offset = out.size();
    out += bytes;
    writeLE<uint32_t>(out, entry, static_cast<uint32_t>(kind));
    writeLE<uint64_t>(out, entry + 8, offset);
    writeLE<uint64_t>(out, entry + 16, bytes.size());
    writeLE<uint32_t>(out, entry + 24,
                      crc32(ArrayRef(reinterpret_cast<const uint8_t *>(bytes.data()),
                                     bytes.size())));
    entry += kSectionEntrySize;
  }
  writeLE<uint64_t>(out, kOffFileSize, out.size());
  size_t tableEnd = kHeaderSize + std::size(sections) * kSectionEntrySize;
  writeLE<uint32_t>(out, kOffHeaderCrc,
                    crc32(ArrayRef(reinterpret_cast<const uint8_t *>(out.data()), tableEnd)));
  return out;
}

Error writeBundleFile(StringRef path, const Bundle &b) {
  Expected<std::string> bytes = serializeBundle(b);
  if (!bytes)
    return withContext(bytes.takeError(), path);
  return writeFileAtomically(path, *bytes);
}

} // namespace vimq::isa
