//===- Replay.cpp - a device run written as a replay directory --------------------------------===//

#include "vimq/runtime/Replay.h"

#include "vimq/support/Error.h"
#include "vimq/support/FileUtil.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <map>
#include <memory>

using namespace llvm;

namespace vimq::rt {
namespace {

/// Bumped when a file of the replay directory changes meaning; replay_tb checks it.
constexpr unsigned kReplayVersion = 1;

void appendLe64(std::string &out, uint64_t v) {
  for (unsigned i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

Error writeIn(StringRef dir, StringRef name, StringRef bytes) {
  SmallString<128> path(dir);
  sys::path::append(path, name);
  return writeFileAtomically(path, bytes);
}

StringRef asBytes(ArrayRef<uint8_t> bytes) {
  return StringRef(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

class ReplayRecorder final : public Device {
public:
  ReplayRecorder(Device &inner, std::string dir) : inner(inner), dir(std::move(dir)) {}
  std::string description() const override { return inner.description(); }
  uint64_t fingerprint() const override { return inner.fingerprint(); }
  /// Records on whichever device the inner one picks (the sim: the bundle's target).
  Expected<Device &> forBundle(const isa::Bundle &bundle) override {
    Expected<Device &> picked = inner.forBundle(bundle);
    if (!picked)
      return picked.takeError();
    if (&*picked == &inner)
      return *this;
    std::unique_ptr<ReplayRecorder> &r = recorders[&*picked];
    if (!r)
      r = std::make_unique<ReplayRecorder>(*picked, dir);
    return *r;
  }
  Expected<Profile> run(ArrayRef<isa::Instr> code, DdrImage &image) override {
    DdrImage before = image;
    Expected<Profile> p = inner.run(code, image);
    if (!p)
      return p.takeError();
    if (Error e = writeReplay(dir, inner, code, before, image))
      return e;
    return p;
  }

private:
  Device &inner;
  std::string dir;
  std::map<const Device *, std::unique_ptr<ReplayRecorder>> recorders;
};

} // namespace

Error writeReplay(StringRef dir, const Device &device, ArrayRef<isa::Instr> code,
                  const DdrImage &before, const DdrImage &after) {
  if (before.bytes.size() != after.bytes.size() || before.table.size() != after.table.size())
    return makeError("replay: the device changed the DDR image's size or buffer table");
  if (std::error_code ec = sys::fs::create_directories(dir))
    return makeError("{0}: cannot create directory: {1}", dir, ec.message());

  std::string insns; // the in-memory format: word 0 first, each word little-endian
  for (const isa::Instr &in : code)
    for (uint64_t w : in.w)
      appendLe64(insns, w);
  std::string table;
  for (const DdrImage::Buffer &b : before.table) {
    appendLe64(table, b.base);
    appendLe64(table, b.size);
  }
  std::string meta = formatv("version {0}\ntarget {1}\nfingerprint 0x{2:x-16}\ninsns {3}\n"
                             "buffers {4}\nddr_bytes {5}\n",
                             kReplayVersion, device.description(), device.fingerprint(),
                             code.size(), before.table.size(), before.bytes.size())
                         .str();
  for (auto [name, bytes] : {std::pair<StringRef, StringRef>{"insns.bin", insns},
                             {"buffers.bin", table},
                             {"ddr_in.bin", asBytes(before.bytes)},
                             {"ddr_expected.bin", asBytes(after.bytes)},
                             {"meta.txt", meta}})
    if (Error e = writeIn(dir, name, bytes))
      return e;
  return Error::success();
}

std::unique_ptr<Device> createReplayRecorder(Device &inner, std::string dir) {
  return std::make_unique<ReplayRecorder>(inner, std::move(dir));
}

} // namespace vimq::rt
