//===- ProgramAsm.h - assemble a whole program (directives + instructions) ---------*- C++ -*-===//
//
// The `.s` form of a bundle, for hand-written test programs and `vimq-as`:
//
//   .target zcu102                      # target name (header)
//   .fingerprint 0x0123456789abcdef     # hardware fingerprint (header)
//   .buffer ID KIND SIZE                # KIND: weights | input | output | scratch
//   .bytes ID OFFSET B0 B1 ...          # initial bytes of a weights buffer
//   .hex ID OFFSET 00ff17...            # the same, as one string of hex digit pairs
//   .init ID OFFSET FILE.npy            # the tensor's raw bytes (path relative to the .s file)
//   .input NAME buf=ID off=N dtype=i32 shape=2x16 [host=fixed frac=8 | host=index limit=V]
//   .output NAME ... (same keys)
//   .meta JSON                          # compile metadata (rest of the line; no '#')
//   .meta "..."                         # the same as a quoted string: \\ \" \n \t \xHH escapes
//   MNEMONIC field=value, ... [; pop=... push=...]     # see Asm.h
//
// Initial data is dense: a `.bytes` or `.init` may start at most 1 MiB past the end of the data
// already given for its buffer, and no buffer exceeds kMaxTotalBufferBytes.
// `#` starts a comment. Errors are "<file>:<line>: <message>". The result is validated.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/isa/Bundle.h"

namespace vimq::isa {

/// `fileName` names the source in errors and anchors relative `.init` paths.
llvm::Expected<Bundle> assembleProgram(llvm::StringRef text, llvm::StringRef fileName);

struct DisassembleOptions {
  bool compact = true;       ///< omit zero-valued instruction fields
  bool indexComments = false; ///< "# N" after every instruction
  bool data = true;          ///< initial data as `.hex` lines (else a comment: not reassemblable)
};
/// The bundle as `.s` text that assembleProgram() turns back into an equal bundle, byte for
/// byte once serialized: header, buffers, I/O and the program first, then the initial data
/// (`.hex`) and the metadata (`.meta "..."`) last.
std::string disassembleProgram(const Bundle &b, const DisassembleOptions &opts);
inline std::string disassembleProgram(const Bundle &b, bool compact = true) {
  DisassembleOptions o;
  o.compact = compact;
  return disassembleProgram(b, o);
}

} // namespace vimq::isa
