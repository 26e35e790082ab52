//===- IsaDoc.cpp - Markdown field tables from Isa.def ------------------------------*- C++ -*-===//

#include "vimq/isa/IsaDoc.h"

#include "vimq/isa/Isa.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace vimq::isa {
namespace {

StringRef kindText(FieldKind k) {
  switch (k) {
  case FieldKind::U:
    return "unsigned";
  case FieldKind::S:
    return "signed";
  case FieldKind::B:
    return "flag";
  case FieldKind::E:
    return "enum";
  case FieldKind::M:
    return "module mask";
  }
  return "";
}

void printTable(raw_ostream &os, StringRef title, ArrayRef<FieldInfo> fields) {
  os << "#### " << title << "\n\n| field | bits | width | kind | meaning |\n"
     << "| --- | --- | --- | --- | --- |\n";
  for (const FieldInfo &f : fields) {
    os << formatv("| `{0}` | {1}..{2} | {3} | {4}", f.name, f.pos.offset,
                  f.pos.offset + f.pos.width - 1, f.pos.width, kindText(f.kind));
    if (f.kind == FieldKind::E)
      os << " `" << enumName(f.enumKind) << '`';
    os << " | " << f.doc << " |\n";
  }
  os << '\n';
}

} // namespace

std::string isaFieldTablesMarkdown() {
  std::string out;
  raw_string_ostream os(out);
  printTable(os, "COMMON", commonFields());
  for (const OpcodeInfo &op : allOpcodes())
    if (!op.fields.empty())
      printTable(os, op.name, op.fields);
  return out;
}

} // namespace vimq::isa
