//===- ProgramAsm.h - assemble a whole program (directives + instructions) ---------*- C++ -*-===//
//
// The `.s` form of a bundle, for hand-written test programs and `vimq-as`:
//
//   .target zcu102                      # target name (header)
//   .fingerprint 0x0123456789abcdef     # hardware fingerprint (header)
//   .buffer ID KIND SIZE                # KIND: weights | input | output | scratch
//   .bytes ID OFFSET B0 B1 ...          # initial bytes of a weights buffer
//   .init ID OFFSET FILE.npy            # the tensor's raw bytes (path relative to the .s file)
//   .input NAME buf=ID off=N dtype=i32 shape=2x16 [host=fixed frac=8 | host=index limit=V]
//   .output NAME ... (same keys)
//   .meta JSON                          # compile metadata (rest of the line)
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

/// The bundle as `.s` text that assembleProgram() turns back into an equal bundle (initial data
/// as `.bytes` lines; `compact` omits zero-valued fields).
std::string disassembleProgram(const Bundle &b, bool compact = true);

} // namespace vimq::isa
