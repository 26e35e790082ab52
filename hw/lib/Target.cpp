//===- Target.cpp - hardware target loader -------------------------------------------------===//

#include "vimq/hw/Target.h"

#include "vimq/hw/Fingerprint.h"
#include "vimq/support/Error.h"

#include "llvm/Support/MemoryBuffer.h"

#include <nlohmann/json.hpp>

using namespace vimq;
using namespace vimq::hw;

// The parameters the overlay is built from; a target missing one could not be synthesised.
static constexpr const char *kRequiredParams[] = {
    "clock_mhz",          "ddr_bytes_per_cycle",  "ddr_latency_cycles", "linear_rows",
    "linear_cols",        "linear_dsp",           "conv_lanes",         "ssm_lanes",
    "vector_width",       "act_buf_bytes",        "wgt_buf_bytes",      "vec_buf_words",
    "state_buf_words",    "cmd_fifo_depth",       "token_fifo_depth",   "pipeline_depth_linear",
    "pipeline_depth_ssm", "pipeline_depth_vector"};

// The CMake generator accepts at most 18 decimal digits, so both sides stay within int64_t.
static constexpr uint64_t kMaxParam = 999999999999999999ULL;

static bool isBankCount(int64_t n) {
  while (n > 1 && n % 2 == 0)
    n /= 2;
  while (n > 1 && n % 3 == 0)
    n /= 3;
  return n == 1;
}

llvm::Expected<Target> Target::parse(llvm::StringRef text, llvm::StringRef origin) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return makeError("{0}: not a JSON object", origin);
  Target t;
  for (const char *key : {"name", "part"}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string())
      return makeError("{0}: missing string '{1}'", origin, key);
  }
  t.Name = j["name"].get<std::string>();
  t.Part = j["part"].get<std::string>();

  auto res = j.find("resources");
  if (res == j.end() || !res->is_object())
    return makeError("{0}: missing object 'resources'", origin);
  std::pair<const char *, int64_t *> budget[] = {{"lut", &t.Budget.lut},
                                                 {"ff", &t.Budget.ff},
                                                 {"dsp", &t.Budget.dsp},
                                                 {"bram36", &t.Budget.bram36}};
  for (auto &[key, dst] : budget) {
    auto it = res->find(key);
    if (it == res->end() || !it->is_number_unsigned() || it->get<uint64_t>() > kMaxParam)
      return makeError("{0}: resources.{1} must be a non-negative integer", origin, key);
    *dst = it->get<int64_t>();
  }

  auto params = j.find("params");
  if (params == j.end() || !params->is_object())
    return makeError("{0}: missing object 'params'", origin);
  for (auto it = params->begin(); it != params->end(); ++it) {
    // Same rule as the CMake generator: non-negative integers only, so that both sides print
    // identical decimal strings into the fingerprint.
    if (!it.value().is_number_unsigned() || it.value().get<uint64_t>() > kMaxParam)
      return makeError("{0}: params.{1} must be an integer in [0, {2}]", origin, it.key(),
                       kMaxParam);
    t.Params[it.key()] = it.value().get<int64_t>();
  }
  for (const char *key : kRequiredParams)
    if (!t.Params.count(key))
      return makeError("{0}: missing params.{1}", origin, key);
  for (const char *key :
       {"clock_mhz", "ddr_bytes_per_cycle", "linear_rows", "linear_cols", "conv_lanes", "ssm_lanes",
        "vector_width", "cmd_fifo_depth", "token_fifo_depth"})
    if (t.Params[key] == 0)
      return makeError("{0}: params.{1} must be positive", origin, key);
  // Banking (docs/overlay.md): a pitch coprime to 6 spreads rows over the banks only when every
  // bank count is 2^a * 3^b.
  for (const char *key : {"linear_rows", "linear_cols", "conv_lanes", "ssm_lanes", "vector_width"})
    if (!isBankCount(t.Params[key]))
      return makeError("{0}: params.{1} = {2} must be of the form 2^a * 3^b (the banking rule)",
                       origin, key, t.Params[key]);
  return t;
}

llvm::Expected<Target> Target::loadFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return makeError("{0}: cannot read target file: {1}", path, buf.getError().message());
  return parse((*buf)->getBuffer(), path);
}

llvm::Expected<Target> Target::loadByName(llvm::StringRef name) {
  if (name.empty() || name.find_first_of("/\\.") != llvm::StringRef::npos)
    return makeError("invalid target name '{0}'", name);
  return loadFile((llvm::Twine(VIMQ_HW_TARGETS_DIR) + "/" + name + ".json").str());
}

int64_t Target::param(llvm::StringRef key) const {
  auto it = Params.find(key.str());
  assert(it != Params.end() && "parameter not validated by Target::parse");
  return it->second;
}

uint64_t Target::fingerprint(uint64_t isaVersion) const {
  FingerprintBuilder fp;
  fp.addIsaVersion(isaVersion);
  for (const auto &[key, value] : Params) // std::map: ascending byte order, as specified.
    fp.addParam(key.c_str(), static_cast<uint64_t>(value));
  return fp.value();
}
