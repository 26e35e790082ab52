//===- ReferenceIO.cpp - inputs and outputs of the reference runner ---------------------------===//
#include "ReferenceIO.h"
#include "OutputPaths.h"

#include "vimq/support/Error.h"
#include "vimq/support/Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vimq::tools {

namespace fs = llvm::sys::fs;

namespace {

std::string quotedList(llvm::ArrayRef<std::string> names) {
  if (names.empty())
    return "(none)";
  std::string out;
  for (const std::string &n : names)
    out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

std::string typeStr(const Tensor &t) {
  return ir::TensorType{t.dtype(), Shape(t.shape().begin(), t.shape().end())}.str();
}

} // namespace

InputSpec parseInputSpec(llvm::StringRef arg, llvm::ArrayRef<std::string> inputNames) {
  for (size_t pos = arg.find('='); pos != llvm::StringRef::npos; pos = arg.find('=', pos + 1))
    if (llvm::is_contained(inputNames, arg.take_front(pos)))
      return {arg.take_front(pos).str(), arg.drop_front(pos + 1).str()};
  auto [name, file] = arg.split('=');
  if (file.empty() && !arg.contains('='))
    return {"", arg.str()};
  return {name.str(), file.str()};
}

llvm::Expected<NamedTensors> loadInputs(const ir::Graph &g, llvm::ArrayRef<std::string> args) {
  std::vector<std::string> names;
  for (const ir::Value *v : g.inputs())
    names.push_back(v->name());

  // Names first (no file is read until every argument is known to be meaningful).
  llvm::StringMap<std::string> fileOf;
  for (const std::string &arg : args) {
    InputSpec spec = parseInputSpec(arg, names);
    if (spec.name.empty()) {
      if (names.size() != 1)
        return makeError("--input {0}: a bare FILE is only accepted for a one-input model; use "
                         "NAME=FILE with NAME one of {1}",
                         arg, quotedList(names));
      spec.name = names.front();
    }
    if (spec.file.empty())
      return makeError("--input {0}: no file after '='", arg);
    if (!llvm::is_contained(names, spec.name))
      return makeError("--input {0}: the model has no input '{1}'; its inputs are {2}", arg,
                       spec.name, quotedList(names));
    if (!fileOf.insert({spec.name, spec.file}).second)
      return makeError("--input {0}: input '{1}' is given more than once", arg, spec.name);
  }
  std::vector<std::string> missing;
  for (const std::string &n : names)
    if (!fileOf.count(n))
      missing.push_back(n);
  if (!missing.empty())
    return makeError("missing --input for {0} (the model's inputs are {1})", quotedList(missing),
                     quotedList(names));

  NamedTensors tensors;
  for (const ir::Value *v : g.inputs()) {
    const std::string &file = fileOf[v->name()];
    llvm::Expected<Tensor> t = readNpy(file);
    if (!t)
      return withContext(t.takeError(), "input '" + v->name() + "'");
    if (t->dtype() != v->dtype() || t->shape() != v->shape())
      return makeError("input '{0}': expected {1}, got {2} from {3}", v->name(), v->type().str(),
                       typeStr(*t), file);
    tensors.insert({v->name(), std::move(*t)});
  }
  return tensors;
}

std::vector<std::string> outputFileStems(llvm::ArrayRef<std::string> names) {
  // 200 bytes leaves room for the "_N" suffix, ".npy" and the temporary-file suffix of the
  // atomic write within the usual 255-byte file-name limit.
  constexpr size_t maxStem = 200;
  std::vector<std::string> stems;
  llvm::StringSet<> taken; // lower-case, so "Out" and "out" do not collide on macOS/Windows
  for (const std::string &name : names) {
    std::string base;
    for (char c : name)
      base += (llvm::isAlnum(c) || c == '-' || c == '_' || c == '.') ? c : '_';
    if (base.empty())
      base = "output";
    if (base.front() == '.') // no ".", "..", or hidden files
      base.front() = '_';
    if (base.size() > maxStem)
      base.resize(maxStem);
    std::string stem = base;
    for (unsigned n = 2; !taken.insert(llvm::StringRef(stem).lower()).second; ++n)
      stem = base + "_" + std::to_string(n);
    stems.push_back(std::move(stem));
  }
  return stems;
}

llvm::Expected<std::vector<std::string>> writeOutputs(llvm::StringRef dir,
                                                      const NamedTensors &outputs) {
  if (llvm::Error e = checkOutputDir(dir))
    return e;
  // Remember which folders this call creates, deepest last, to remove them on failure.
  std::vector<std::string> createdDirs;
  for (llvm::SmallString<256> p(dir); !p.empty() && !fs::exists(p);
       p = llvm::sys::path::parent_path(p).str()) // copy: the parent points into p
    createdDirs.push_back(std::string(p));
  std::reverse(createdDirs.begin(), createdDirs.end());
  if (std::error_code ec = fs::create_directories(dir))
    return makeError("--output {0}: cannot create folder: {1}", dir, ec.message());

  std::vector<std::string> names;
  for (const auto &kv : outputs)
    names.push_back(kv.first);
  std::vector<std::string> stems = outputFileStems(names);
  std::vector<std::string> written;
  for (size_t i = 0; i < outputs.size(); ++i) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, stems[i] + ".npy");
    if (llvm::Error e = writeNpy(path, outputs.begin()[i].second)) {
      for (const std::string &w : written)
        fs::remove(w);
      for (auto it = createdDirs.rbegin(); it != createdDirs.rend(); ++it)
        fs::remove(*it); // only succeeds when empty, which is what we want
      return withContext(std::move(e), "output '" + names[i] + "'");
    }
    written.push_back(std::string(path));
  }
  return written;
}

void printTensorSummary(llvm::raw_ostream &os, llvm::StringRef name, const Tensor &t) {
  os << name << ": " << typeStr(t);
  int64_t n = t.numel();
  if (n == 0) {
    os << " (empty)\n";
    return;
  }
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  int64_t nans = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = t.getDouble(i);
    if (std::isnan(v)) {
      ++nans;
      continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  if (nans == n)
    os << "  all NaN";
  else
    os << llvm::format("  min %.6g  max %.6g  mean %.6g", lo, hi, sum / double(n - nans));
  if (nans && nans != n)
    os << "  NaN x" << nans;
  os << "\n";
  if (t.rank() != 2 || !isFloat(t.dtype()))
    return;
  // Logits: the top-5 classes of the first rows (a batch can be large; 4 rows say enough).
  int64_t rows = t.dim(0), cols = t.dim(1);
  for (int64_t r = 0; r < std::min<int64_t>(rows, 4); ++r) {
    std::vector<int64_t> idx(size_t(cols), 0);
    std::iota(idx.begin(), idx.end(), 0);
    size_t k = size_t(std::min<int64_t>(5, cols));
    // NaN ranks last, which also keeps the comparison a strict weak order.
    auto value = [&](int64_t c) {
      double v = t.getDouble(r * cols + c);
      return std::isnan(v) ? -INFINITY : v;
    };
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int64_t a, int64_t b) {
      return value(a) > value(b) || (value(a) == value(b) && a < b);
    });
    os << "  row " << r << " top-" << k << ":";
    for (size_t j = 0; j < k; ++j)
      os << " " << idx[j] << llvm::format(" (%.4g)", value(idx[j]));
    os << "\n";
  }
  if (rows > 4)
    os << "  (" << rows - 4 << " more rows)\n";
}

} // namespace vimq::tools
