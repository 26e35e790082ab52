//===- FileUtil.h - atomic output files --------------------------------------------*- C++ -*-===//
#pragma once

#include "llvm/Support/Error.h"

namespace vimq {

/// Writes `contents` to `path` through a temporary file in the same directory and a rename, so
/// that readers never see a partial file and a failed run leaves nothing behind.
llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef contents);

} // namespace vimq
