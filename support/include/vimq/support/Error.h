//===- Error.h - error helpers on top of llvm::Error -----------------------------*- C++ -*-===//
//
// Every fallible function in vimq returns llvm::Error or llvm::Expected<T>. Messages name the
// culprit (file, node, instruction) and are one line; tools print them as "<tool>: error: ...".
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "llvm/Support/Error.h"
#include "llvm/Support/FormatVariadic.h"

#include <string>

namespace vimq {

/// Builds an llvm::Error from a formatv() format string.
template <typename... Ts>
llvm::Error makeError(const char *fmt, Ts &&...vals) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 llvm::formatv(fmt, std::forward<Ts>(vals)...).str());
}

/// Prefixes the message of `err` with `context + ": "` (e.g. a file or node name).
llvm::Error withContext(llvm::Error err, const llvm::Twine &context);

/// Prints "<tool>: error: <message>" to stderr for each error in `err`, returns exit code 1.
int reportError(llvm::StringRef tool, llvm::Error err);

} // namespace vimq
