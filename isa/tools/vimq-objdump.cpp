//===- vimq-objdump.cpp - print a .vimq bundle ----------------------------------------===//
//
//   vimq-objdump BUNDLE.vimq [--compact] [--no-data]
//   vimq-objdump --isa-tables
//
// The bundle as assembler text (isa/include/vimq/isa/ProgramAsm.h): a summary in comments
// (header, buffer table, I/O descriptors), then the program — every instruction with all of its
// fields and token flags, its index as a comment — then the initial data and the metadata last.
// `vimq-objdump b.vimq | vimq-as - -o b2.vimq` gives a byte-identical bundle. The bundle is
// fully validated first; an invalid bundle is an error.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/isa/Asm.h"
#include "vimq/isa/Bundle.h"
#include "vimq/isa/IsaDoc.h"
#include "vimq/isa/ProgramAsm.h"

#include "vimq/support/Error.h"

#include "vimq/isa/Version.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace vimq::isa;

namespace {
cl::OptionCategory category("vimq-objdump options");
cl::opt<std::string> inputPath(cl::Positional, cl::desc("<bundle.vimq>"), cl::cat(category));
cl::opt<bool> isaTables("isa-tables",
                        cl::desc("print the ISA field tables (Markdown, as in docs/isa.md)"),
                        cl::cat(category));
cl::opt<bool> compact("compact", cl::desc("omit zero-valued instruction fields"),
                      cl::cat(category));
cl::opt<bool> noData("no-data",
                     cl::desc("leave out the initial data (the text no longer reassembles to "
                              "the same bundle)"),
                     cl::cat(category));

void printIo(raw_ostream &os, const IoDesc &io, StringRef dir) {
  os << formatv("#   {0,-6} {1,-24} {2,-4} [", dir, io.name,
                enumValueName(EnumKind::DType, unsigned(io.dtype)));
  ListSeparator sep(", ");
  for (int64_t d : io.shape)
    os << sep << d;
  os << formatv("]  buffer {0} +{1}", io.buffer, io.offset);
  if (io.host == HostFormat::fixed)
    os << formatv("  host f32, {0} fraction bits", unsigned(io.frac));
  else if (io.host == HostFormat::index)
    os << formatv("  host i64|i32 ids in [0, {0})", io.limit);
  os << '\n';
}
} // namespace

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter(vimq::isa::printVersion);
  cl::ParseCommandLineOptions(argc, argv, "vimq bundle disassembler\n");
  if (isaTables) {
    outs() << isaFieldTablesMarkdown();
    return 0;
  }
  if (inputPath.empty())
    return vimq::reportError("vimq-objdump", vimq::makeError("no bundle given"));
  Expected<Bundle> b = readBundleFile(inputPath);
  if (!b)
    return vimq::reportError("vimq-objdump", b.takeError());

  raw_ostream &os = outs();
  os << formatv("# {0}: vimq bundle format {1}, ISA v{2}\n", inputPath, kBundleFormatVersion,
                kIsaVersion);
  os << formatv("#   target       {0}\n#   fingerprint  0x{1:x-16}\n", b->target,
                b->fingerprint);
  os << formatv("#   instructions {0} ({1} bytes)\n#\n# buffers:\n", b->code.size(),
                b->code.size() * kInstrBytes);
  for (const BufferDesc &buf : b->buffers)
    os << formatv("#   {0,3}  {1,-8} {2,12} bytes  {3} initialised\n", buf.id,
                  bufferKindName(buf.kind), buf.size, buf.init.size());
  os << "#\n# I/O:\n";
  for (const IoDesc &io : b->inputs)
    printIo(os, io, "input");
  for (const IoDesc &io : b->outputs)
    printIo(os, io, "output");
  os << "\n";
  DisassembleOptions opts;
  opts.compact = compact;
  opts.indexComments = true;
  opts.data = !noData;
  os << disassembleProgram(*b, opts);
  return 0;
}
