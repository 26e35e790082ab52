//===- Program.h - an overlay program before token scheduling -----------------------*- C++ -*-===//
//
// The backend's lowering appends instructions in a legal sequential order, each annotated with
// the memory it reads and writes: on-chip ranges (buffer + element range) and DDR ranges (buffer
// id + byte range). Nothing else orders the modules of the overlay: the token scheduler
// (scheduleTokens) derives every RAW/WAR/WAW dependency between instructions of different
// modules from these annotations and turns it into pop/push tokens. Instructions of one module
// execute in order, so they need none among themselves.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/isa/Fields.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace vimq::backend {

/// A memory range: an on-chip buffer (space < 4, isa::Buf, in elements) or a DDR buffer
/// (space = kDdrSpace + id, in bytes). [begin, end).
struct Region {
  static constexpr unsigned kDdrSpace = 16;
  unsigned space = 0;
  uint64_t begin = 0, end = 0;

  static Region onChip(isa::Buf b, uint64_t begin, uint64_t size) {
    return {unsigned(b), begin, begin + size};
  }
  static Region ddr(uint32_t buffer, uint64_t begin, uint64_t size) {
    return {kDdrSpace + buffer, begin, begin + size};
  }
  bool overlaps(const Region &o) const {
    return space == o.space && begin < o.end && o.begin < end;
  }
};

struct ProgInstr {
  isa::Instr in;
  llvm::SmallVector<Region, 4> reads, writes;
  /// Which op of the source graph this instruction implements (for dumps and debug mode).
  std::string origin;
};

class Program {
public:
  void append(const isa::Instr &in, llvm::ArrayRef<Region> reads, llvm::ArrayRef<Region> writes,
              llvm::StringRef origin);
  std::vector<ProgInstr> &instrs() { return Instrs; }
  const std::vector<ProgInstr> &instrs() const { return Instrs; }
  std::vector<isa::Instr> code() const;
  /// One line per instruction in the assembler's text form, preceded by `# <origin>` when the
  /// origin changes (the --emit=asm dump).
  void print(llvm::raw_ostream &os) const;

private:
  std::vector<ProgInstr> Instrs;
};

struct ScheduleStats {
  unsigned tokens = 0;      ///< push/pop pairs inserted
  unsigned dependences = 0; ///< cross-module dependences found (before transitive reduction)
};

/// Sets the pop/push masks of every instruction and appends FINISH (which waits for the last
/// instruction of every module). Every push is consumed by exactly one pop, so no token is ever
/// left over. Freedom from deadlock under the bounded token queues is checked by running the
/// simulator on random programs (tests/compiler/backend/SchedulerTest.cpp).
struct ScheduleOptions {
  /// Every instruction also waits for the one before it: the modules run one after another,
  /// as when a host processor sequences the engines (the published ViM-Q design point). For
  /// modeling only; the overlap is what the tokens are for.
  bool serialize = false;
};
ScheduleStats scheduleTokens(Program &p, const ScheduleOptions &opts = {});

/// Replays the scheduled program's control flow — FETCH in order into bounded per-module
/// command queues, tokens through bounded per-pair queues, modules in order — without data,
/// the way the overlay does (docs/overlay.md "Dataflow, FIFOs and tokens"). An error names
/// the instructions the modules are stuck at if the program would deadlock with these depths,
/// so a schedule the overlay cannot finish is never emitted.
llvm::Error checkDeadlockFree(const Program &p, unsigned cmdDepth, unsigned tokenDepth);

} // namespace vimq::backend
