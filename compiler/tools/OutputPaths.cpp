//===- OutputPaths.cpp - early checks of the tools' output paths ------------------------------===//
#include "OutputPaths.h"

#include "vimq/support/Error.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace vimq::tools {

namespace fs = llvm::sys::fs;

llvm::Error checkOutputDir(llvm::StringRef dir, llvm::StringRef flag) {
  if (dir.empty())
    return makeError("{0}: empty folder name", flag);
  llvm::SmallString<256> path(dir);
  if (std::error_code ec = fs::make_absolute(path))
    return makeError("{0} {1}: {2}", flag, dir, ec.message());
  // The nearest existing ancestor decides: it must be a writable directory.
  while (!fs::exists(path)) {
    llvm::StringRef parent = llvm::sys::path::parent_path(path);
    if (parent.empty() || parent == path)
      break;
    path = parent.str(); // copy first: `parent` points into `path`
  }
  if (!fs::is_directory(path))
    return makeError("{0} {1}: '{2}' exists and is not a directory", flag, dir, path);
  if (!fs::can_write(path))
    return makeError("{0} {1}: '{2}' is not writable", flag, dir, path);
  return llvm::Error::success();
}

llvm::Error checkOutputFile(llvm::StringRef path, llvm::StringRef flag) {
  if (path == "-")
    return llvm::Error::success();
  if (path.empty())
    return makeError("{0}: empty file name", flag);
  if (fs::is_directory(path))
    return makeError("{0} {1}: is a directory", flag, path);
  llvm::SmallString<256> dir(path);
  if (std::error_code ec = fs::make_absolute(dir))
    return makeError("{0} {1}: {2}", flag, path, ec.message());
  llvm::sys::path::remove_filename(dir);
  if (!fs::is_directory(dir))
    return makeError("{0} {1}: folder '{2}' does not exist", flag, path, dir);
  if (!fs::can_write(dir))
    return makeError("{0} {1}: folder '{2}' is not writable", flag, path, dir);
  return llvm::Error::success();
}

llvm::Error flushStdout() {
  llvm::raw_fd_ostream &os = llvm::outs();
  os.flush();
  if (!os.has_error())
    return llvm::Error::success();
  std::string msg = os.error().message();
  os.clear_error();
  return makeError("cannot write to standard output: {0}", msg);
}

} // namespace vimq::tools
