//===- Program.cpp - program container and its text dump --------------------------------------===//
#include "vimq/backend/Program.h"

#include "vimq/isa/Asm.h"

using namespace vimq;
using namespace vimq::backend;

void Program::append(const isa::Instr &in, llvm::ArrayRef<Region> reads,
                     llvm::ArrayRef<Region> writes, llvm::StringRef origin) {
  ProgInstr p;
  p.in = in;
  p.reads.assign(reads.begin(), reads.end());
  p.writes.assign(writes.begin(), writes.end());
  p.origin = origin.str();
  Instrs.push_back(std::move(p));
}

std::vector<isa::Instr> Program::code() const {
  std::vector<isa::Instr> out;
  out.reserve(Instrs.size());
  for (const ProgInstr &p : Instrs)
    out.push_back(p.in);
  return out;
}

void Program::print(llvm::raw_ostream &os) const {
  llvm::StringRef origin;
  for (size_t i = 0; i < Instrs.size(); ++i) {
    const ProgInstr &p = Instrs[i];
    if (p.origin != origin) {
      origin = p.origin;
      os << "# " << (origin.empty() ? llvm::StringRef("(program)") : origin) << "\n";
    }
    os << isa::printInstr(p.in) << "\n";
  }
}
