//===- ProgramAsm.cpp - whole-program assembler and disassembler --------------------*- C++ -*-===//

#include "vimq/isa/ProgramAsm.h"

#include "vimq/isa/Asm.h"

#include "vimq/support/Error.h"
#include "vimq/support/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace vimq::isa {
namespace {

Expected<uint64_t> parseUnsigned(StringRef s, StringRef what) {
  uint64_t v = 0;
  if (s.empty() || s.getAsInteger(0, v))
    return makeError("{0} '{1}' is not an unsigned number", what, s);
  return v;
}

/// Largest zero gap a `.bytes` or `.init` may leave after the data already given for its
/// buffer (see weightsBuffer()).
constexpr uint64_t kMaxInitGap = uint64_t(1) << 20;

std::optional<BufferKind> bufferKindFromName(StringRef s) {
  for (BufferKind k :
       {BufferKind::weights, BufferKind::input, BufferKind::output, BufferKind::scratch})
    if (bufferKindName(k) == s)
      return k;
  return std::nullopt;
}

class ProgramParser {
public:
  ProgramParser(StringRef fileName) : fileName(fileName) {}

  Error line(StringRef text);
  Bundle take() { return std::move(b); }

private:
  Error directive(StringRef name, ArrayRef<StringRef> args, StringRef rest);
  Error buffer(ArrayRef<StringRef> args);
  Error bytes(ArrayRef<StringRef> args);
  Error hex(ArrayRef<StringRef> args);
  Error quotedMeta(StringRef text);
  Error init(ArrayRef<StringRef> args);
  Error io(bool isInput, ArrayRef<StringRef> args);
  Expected<BufferDesc *> weightsBuffer(StringRef idText, uint64_t offset, uint64_t count);

  StringRef fileName;
  Bundle b;
};

Error ProgramParser::line(StringRef text) {
  // A quoted .meta may hold '#' (escaped or not): it is read before comments are stripped.
  StringRef raw = text.trim();
  if (raw.startswith(".meta") && raw.drop_front(5).ltrim().startswith("\""))
    return quotedMeta(raw.drop_front(5).ltrim());
  text = text.split('#').first.trim();
  if (text.empty())
    return Error::success();
  if (!text.startswith(".") || text.startswith(".word")) {
    Expected<Instr> in = parseInstr(text);
    if (!in)
      return in.takeError();
    b.code.push_back(*in);
    return Error::success();
  }
  SmallVector<StringRef, 8> words;
  SplitString(text, words, " \t");
  StringRef rest = text.drop_front(words[0].size()).trim();
  return directive(words[0], ArrayRef<StringRef>(words).drop_front(), rest);
}

Error ProgramParser::directive(StringRef name, ArrayRef<StringRef> args, StringRef rest) {
  if (name == ".target") {
    if (args.size() != 1)
      return makeError(".target takes one name");
    b.target = args[0].str();
    return Error::success();
  }
  if (name == ".fingerprint") {
    if (args.size() != 1)
      return makeError(".fingerprint takes one number");
    Expected<uint64_t> v = parseUnsigned(args[0], "fingerprint");
    if (!v)
      return v.takeError();
    b.fingerprint = *v;
    return Error::success();
  }
  if (name == ".meta") {
    b.metadata = rest.str();
    return Error::success();
  }
  if (name == ".buffer")
    return buffer(args);
  if (name == ".bytes")
    return bytes(args);
  if (name == ".hex")
    return hex(args);
  if (name == ".init")
    return init(args);
  if (name == ".input" || name == ".output")
    return io(name == ".input", args);
  return makeError("unknown directive '{0}'", name);
}

Error ProgramParser::buffer(ArrayRef<StringRef> args) {
  if (args.size() != 3)
    return makeError(".buffer needs ID KIND SIZE");
  Expected<uint64_t> id = parseUnsigned(args[0], "buffer id");
  if (!id)
    return id.takeError();
  std::optional<BufferKind> kind = bufferKindFromName(args[1]);
  if (!kind)
    return makeError("'{0}' is not a buffer kind (weights, input, output, scratch)", args[1]);
  Expected<uint64_t> size = parseUnsigned(args[2], "buffer size");
  if (!size)
    return size.takeError();
  if (*id >= kMaxBuffers)
    return makeError("buffer id {0} exceeds {1}", *id, kMaxBuffers - 1);
  if (*size > kMaxTotalBufferBytes)
    return makeError("buffer size {0} exceeds the {1}-byte limit of a bundle", *size,
                     kMaxTotalBufferBytes);
  if (b.findBuffer(*id))
    return makeError("buffer {0} declared twice", *id);
  BufferDesc desc;
  desc.id = static_cast<uint32_t>(*id);
  desc.kind = *kind;
  desc.size = *size;
  b.buffers.push_back(std::move(desc));
  return Error::success();
}

Expected<BufferDesc *> ProgramParser::weightsBuffer(StringRef idText, uint64_t offset,
                                                    uint64_t count) {
  Expected<uint64_t> id = parseUnsigned(idText, "buffer id");
  if (!id)
    return id.takeError();
  BufferDesc *buf = *id < kMaxBuffers ? b.findBuffer(static_cast<uint32_t>(*id)) : nullptr;
  if (!buf)
    return makeError("buffer {0} is not declared (declare it with .buffer first)", *id);
  if (buf->kind != BufferKind::weights)
    return makeError("buffer {0} is not a weights buffer", *id);
  if (offset > buf->size || count > buf->size - offset)
    return makeError("{0} bytes at offset {1} exceed buffer {2} ({3} bytes)", count, offset, *id,
                     buf->size);
  // Initial data is stored densely from byte 0, so a far offset would allocate every byte
  // before it; the disassembler writes the data without gaps, a hand-written gap stays small.
  if (offset > buf->init.size() + kMaxInitGap)
    return makeError("offset {0} leaves a gap of more than {1} bytes after the {2} bytes of "
                     "initial data of buffer {3} (give the zeros in between explicitly)",
                     offset, kMaxInitGap, buf->init.size(), *id);
  if (buf->init.size() < offset + count)
    buf->init.resize(offset + count, 0);
  return buf;
}

Error ProgramParser::bytes(ArrayRef<StringRef> args) {
  if (args.size() < 2)
    return makeError(".bytes needs ID OFFSET BYTE...");
  Expected<uint64_t> off = parseUnsigned(args[1], "offset");
  if (!off)
    return off.takeError();
  Expected<BufferDesc *> buf = weightsBuffer(args[0], *off, args.size() - 2);
  if (!buf)
    return buf.takeError();
  for (size_t i = 2; i < args.size(); ++i) {
    Expected<uint64_t> v = parseUnsigned(args[i], "byte");
    if (!v)
      return v.takeError();
    if (*v > 255)
      return makeError("byte {0} exceeds 255", *v);
    (*buf)->init[*off + i - 2] = static_cast<uint8_t>(*v);
  }
  return Error::success();
}

Error ProgramParser::hex(ArrayRef<StringRef> args) {
  if (args.size() != 3)
    return makeError(".hex needs ID OFFSET HEXDIGITS");
  Expected<uint64_t> off = parseUnsigned(args[1], "offset");
  if (!off)
    return off.takeError();
  StringRef digits = args[2];
  if (digits.size() % 2)
    return makeError(".hex needs an even number of hex digits");
  Expected<BufferDesc *> buf = weightsBuffer(args[0], *off, digits.size() / 2);
  if (!buf)
    return buf.takeError();
  for (size_t i = 0; i < digits.size(); i += 2) {
    unsigned v;
    if (digits.substr(i, 2).getAsInteger(16, v))
      return makeError("'{0}' is not a hex byte", digits.substr(i, 2));
    (*buf)->init[*off + i / 2] = static_cast<uint8_t>(v);
  }
  return Error::success();
}

Error ProgramParser::quotedMeta(StringRef text) {
  std::string out;
  size_t i = 1; // after the opening quote
  for (; i < text.size() && text[i] != '"'; ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i >= text.size())
      return makeError(".meta: the string ends inside an escape");
    switch (text[i]) {
    case '\\': out += '\\'; break;
    case '"': out += '"'; break;
    case 'n': out += '\n'; break;
    case 't': out += '\t'; break;
    case 'x': {
      unsigned v;
      if (i + 2 >= text.size() || text.substr(i + 1, 2).getAsInteger(16, v))
        return makeError(".meta: \\x needs two hex digits");
      out += char(v);
      i += 2;
      break;
    }
    default:
      return makeError(".meta: unknown escape '\\{0}'", text.substr(i, 1));
    }
  }
  if (i >= text.size())
    return makeError(".meta: the string has no closing quote");
  if (!text.drop_front(i + 1).trim().empty() && !text.drop_front(i + 1).trim().startswith("#"))
    return makeError(".meta: text after the closing quote");
  b.metadata = std::move(out);
  return Error::success();
}

Error ProgramParser::init(ArrayRef<StringRef> args) {
  if (args.size() != 3)
    return makeError(".init needs ID OFFSET FILE.npy");
  Expected<uint64_t> off = parseUnsigned(args[1], "offset");
  if (!off)
    return off.takeError();
  SmallString<128> path(args[2]);
  if (sys::path::is_relative(path)) {
    path = sys::path::parent_path(fileName);
    sys::path::append(path, args[2]);
  }
  Expected<Tensor> t = readNpy(path);
  if (!t)
    return t.takeError();
  Expected<BufferDesc *> buf = weightsBuffer(args[0], *off, t->nbytes());
  if (!buf)
    return buf.takeError();
  std::copy(t->raw(), t->raw() + t->nbytes(), (*buf)->init.begin() + *off);
  return Error::success();
}

Error ProgramParser::io(bool isInput, ArrayRef<StringRef> args) {
  if (args.empty())
    return makeError("{0} needs a name", isInput ? ".input" : ".output");
  IoDesc desc;
  desc.name = args[0].str();
  for (StringRef kv : args.drop_front()) {
    auto [key, value] = kv.split('=');
    if (key == "buf" || key == "off" || key == "frac" || key == "limit") {
      Expected<uint64_t> v = parseUnsigned(value, key);
      if (!v)
        return v.takeError();
      if (key == "buf")
        desc.buffer = static_cast<uint32_t>(std::min<uint64_t>(*v, UINT32_MAX));
      else if (key == "off")
        desc.offset = *v;
      else if (key == "limit" && *v > UINT32_MAX)
        return makeError("limit {0} exceeds the 32-bit field", *v);
      else if (key == "limit")
        desc.limit = static_cast<uint32_t>(*v);
      else if (*v > 31)
        return makeError("frac {0} exceeds 31", *v);
      else
        desc.frac = static_cast<uint8_t>(*v);
    } else if (key == "dtype") {
      std::optional<uint64_t> v = enumValueFromName(EnumKind::DType, value);
      if (!v)
        return makeError("'{0}' is not a dtype", value);
      desc.dtype = static_cast<DType>(*v);
    } else if (key == "host") {
      if (value == "raw")
        desc.host = HostFormat::raw;
      else if (value == "fixed")
        desc.host = HostFormat::fixed;
      else if (value == "index")
        desc.host = HostFormat::index;
      else
        return makeError("host must be raw, fixed or index, got '{0}'", value);
    } else if (key == "shape") {
      // An empty value is a scalar (rank 0), as the disassembler prints it.
      SmallVector<StringRef, 4> dims;
      if (!value.empty())
        value.split(dims, 'x');
      for (StringRef d : dims) {
        Expected<uint64_t> v = parseUnsigned(d, "dimension");
        if (!v)
          return v.takeError();
        desc.shape.push_back(static_cast<int64_t>(std::min<uint64_t>(*v, INT64_MAX)));
      }
    } else {
      return makeError("unknown key '{0}' (buf, off, dtype, shape, host, frac, limit)", key);
    }
  }
  (isInput ? b.inputs : b.outputs).push_back(std::move(desc));
  return Error::success();
}

void printIo(raw_ostream &os, const IoDesc &io, bool isInput) {
  os << (isInput ? ".input " : ".output ") << io.name << " buf=" << io.buffer
     << " off=" << io.offset << " dtype=" << enumValueName(EnumKind::DType, unsigned(io.dtype))
     << " shape=";
  ListSeparator sep("x");
  for (int64_t d : io.shape)
    os << sep << d;
  os << " host=" << hostFormatName(io.host);
  if (io.frac)
    os << " frac=" << unsigned(io.frac);
  if (io.limit)
    os << " limit=" << io.limit;
  os << '\n';
}

} // namespace

Expected<Bundle> assembleProgram(StringRef text, StringRef fileName) {
  ProgramParser parser(fileName);
  SmallVector<StringRef, 64> lines;
  text.split(lines, '\n');
  for (size_t i = 0; i < lines.size(); ++i)
    if (Error e = parser.line(lines[i]))
      return withContext(std::move(e), formatv("{0}:{1}", fileName, i + 1).str());
  Bundle b = parser.take();
  if (Error e = validateBundle(b))
    return withContext(std::move(e), fileName);
  return b;
}

std::string disassembleProgram(const Bundle &b, const DisassembleOptions &opts) {
  std::string out;
  raw_string_ostream os(out);
  if (!b.target.empty())
    os << ".target " << b.target << '\n';
  os << formatv(".fingerprint 0x{0:x-16}\n", b.fingerprint);
  for (const BufferDesc &buf : b.buffers)
    os << ".buffer " << buf.id << ' ' << bufferKindName(buf.kind) << ' ' << buf.size << '\n';
  for (const IoDesc &io : b.inputs)
    printIo(os, io, true);
  for (const IoDesc &io : b.outputs)
    printIo(os, io, false);
  for (size_t i = 0; i < b.code.size(); ++i) {
    os << printInstr(b.code[i], !opts.compact);
    if (opts.indexComments)
      os << "  # " << i;
    os << '\n';
  }
  // The initial data, 64 bytes a line.
  static const char kHex[] = "0123456789abcdef";
  for (const BufferDesc &buf : b.buffers) {
    if (buf.init.empty())
      continue;
    if (!opts.data) {
      os << "# buffer " << buf.id << ": " << buf.init.size()
         << " bytes of initial data left out (--no-data)\n";
      continue;
    }
    std::string line;
    for (size_t i = 0; i < buf.init.size(); i += 64) {
      line.assign(".hex " + std::to_string(buf.id) + ' ' + std::to_string(i) + ' ');
      for (size_t j = i; j < std::min(buf.init.size(), i + 64); ++j) {
        line += kHex[buf.init[j] >> 4];
        line += kHex[buf.init[j] & 15];
      }
      line += '\n';
      os << line;
    }
  }
  // The metadata last, quoted: it may span lines and hold '#'.
  if (!b.metadata.empty()) {
    os << ".meta \"";
    for (unsigned char c : b.metadata) {
      if (c == '\\' || c == '"')
        os << '\\' << c;
      else if (c == '\n')
        os << "\\n";
      else if (c == '\t')
        os << "\\t";
      else if (c == '#' || c < 0x20 || c >= 0x7f)
        os << "\\x" << kHex[c >> 4] << kHex[c & 15];
      else
        os << c;
    }
    os << "\"\n";
  }
  return out;
}

} // namespace vimq::isa
