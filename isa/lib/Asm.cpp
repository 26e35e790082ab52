//===- Asm.cpp - instruction text printer and parser ------------------------------*- C++ -*-===//

#include "vimq/isa/Asm.h"

#include "vimq/support/Error.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace vimq::isa {
namespace {

void printMask(raw_ostream &os, uint64_t mask) {
  ListSeparator sep(",");
  for (unsigned m = 0; m < 8; ++m) {
    if (!((mask >> m) & 1))
      continue;
    StringRef name = m < kNumModules ? moduleName(static_cast<Module>(m)) : "";
    if (name.empty())
      os << sep << "bit" << m; // only reachable for invalid masks; keeps objdump total
    else
      os << sep << name;
  }
}

void printValue(raw_ostream &os, const Instr &in, const FieldInfo &f) {
  uint64_t raw = getBits(in, f.pos);
  switch (f.kind) {
  case FieldKind::E: {
    StringRef name = enumValueName(f.enumKind, raw);
    if (name.empty())
      os << raw; // invalid, but the disassembler must still show it
    else
      os << name;
    return;
  }
  case FieldKind::S:
    os << getSigned(in, f.pos);
    return;
  case FieldKind::M:
    printMask(os, raw);
    return;
  case FieldKind::U:
  case FieldKind::B:
    os << raw;
    return;
  }
}

Expected<int64_t> parseNumber(StringRef text) {
  StringRef t = text;
  bool neg = t.consume_front("-");
  uint64_t v = 0;
  // getAsInteger with radix 0 accepts 0x, 0b and a leading-zero octal form; only decimal and
  // 0x are part of the syntax.
  if (t.empty() || (t.size() > 1 && t[0] == '0' && !t.startswith_insensitive("0x")) ||
      t.getAsInteger(0, v) || v > uint64_t(INT64_MAX))
    return makeError("'{0}' is not a number", text);
  return neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
}

Expected<uint64_t> parseMask(StringRef text) {
  uint64_t mask = 0;
  SmallVector<StringRef, 8> parts;
  text.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef p : parts) {
    std::optional<Module> m = moduleFromName(p.trim());
    if (!m)
      return makeError("'{0}' is not a module", p.trim());
    mask |= moduleBit(*m);
  }
  return mask;
}

Error parseAssignment(Instr &in, const OpcodeInfo &info, StringRef item) {
  auto [name, value] = item.split('=');
  name = name.trim();
  value = value.trim();
  if (!item.contains('=') || name.empty() || value.empty())
    return makeError("expected 'field=value', got '{0}'", item.trim());
  if (name == "opcode")
    return makeError("'opcode' is given by the mnemonic");
  const FieldInfo *f = info.findField(name);
  if (!f)
    for (const FieldInfo &c : commonFields())
      if (c.name == name)
        f = &c;
  if (!f)
    return makeError("{0} has no field '{1}'", info.name, name);
  if (getBits(in, f->pos) != 0)
    return makeError("field '{0}' given twice", name);
  if (f->kind == FieldKind::M) {
    Expected<uint64_t> mask = parseMask(value);
    if (!mask)
      return mask.takeError();
    setBits(in, f->pos, *mask);
    return Error::success();
  }
  if (f->kind == FieldKind::E && !value.empty() && !isDigit(value[0])) {
    std::optional<uint64_t> v = enumValueFromName(f->enumKind, value);
    if (!v)
      return makeError("'{0}' is not a {1} value (field '{2}')", value, enumName(f->enumKind),
                       name);
    setBits(in, f->pos, *v);
    return Error::success();
  }
  Expected<int64_t> v = parseNumber(value);
  if (!v)
    return withContext(v.takeError(), formatv("field '{0}'", name).str());
  return setField(in, name, *v);
}

/// `.word w0 w1 w2 w3`: an arbitrary bit pattern (how the disassembler shows an unknown
/// opcode; lets tests build malformed programs through the assembler).
Expected<Instr> parseRawWords(StringRef words, StringRef tokens) {
  if (!tokens.trim().empty())
    return makeError(".word takes no token flags");
  SmallVector<StringRef, 4> parts;
  SplitString(words, parts, " \t");
  if (parts.size() != kInstrWords)
    return makeError(".word needs {0} 64-bit words, got {1}", kInstrWords, parts.size());
  Instr in;
  for (unsigned i = 0; i < kInstrWords; ++i)
    if (parts[i].getAsInteger(0, in.w[i]))
      return makeError("'{0}' is not a 64-bit word", parts[i]);
  return in;
}

} // namespace

std::string printInstr(const Instr &in, bool allFields) {
  std::string out;
  raw_string_ostream os(out);
  const OpcodeInfo *info = isKnownOpcode(getBits(in, fld::COMMON_opcode))
                               ? lookupOpcode(opcodeOf(in))
                               : nullptr;
  if (!info) {
    os << formatv(".word 0x{0:x-16} 0x{1:x-16} 0x{2:x-16} 0x{3:x-16}", in.w[0], in.w[1], in.w[2],
                  in.w[3]);
    return out;
  }
  os << info->name;
  ListSeparator sep(", ");
  bool first = true;
  for (const FieldInfo &f : info->fields) {
    if (!allFields && getBits(in, f.pos) == 0)
      continue;
    os << (first ? " " : "") << sep << f.name << '=';
    first = false;
    printValue(os, in, f);
  }
  uint64_t pop = popMask(in), push = pushMask(in);
  if (pop || push) {
    os << " ;";
    if (pop) {
      os << " pop=";
      printMask(os, pop);
    }
    if (push) {
      os << " push=";
      printMask(os, push);
    }
  }
  return out;
}

Expected<Instr> parseInstr(StringRef text) {
  auto [body, tokens] = text.split(';');
  body = body.trim();
  StringRef mnemonic = body.take_until([](char c) { return isSpace(c); });
  if (mnemonic == ".word")
    return parseRawWords(body.drop_front(mnemonic.size()), tokens);
  const OpcodeInfo *info = lookupOpcode(mnemonic);
  if (!info)
    return makeError("unknown mnemonic '{0}'", mnemonic);
  Instr in = makeInstr(info->opcode);

  SmallVector<StringRef, 24> items;
  body.drop_front(mnemonic.size()).split(items, ',', -1, /*KeepEmpty=*/true);
  if (items.size() == 1 && items[0].trim().empty())
    items.clear();
  for (StringRef item : items)
    if (Error e = parseAssignment(in, *info, item))
      return e;

  SmallVector<StringRef, 4> tokenItems;
  SplitString(tokens, tokenItems, " \t");
  for (StringRef item : tokenItems) {
    if (!item.startswith("pop=") && !item.startswith("push="))
      return makeError("expected 'pop=...' or 'push=...' after ';', got '{0}'", item);
    if (Error e = parseAssignment(in, *info, item))
      return e;
  }
  return in;
}

} // namespace vimq::isa
