//===- SimDevice.cpp - the overlay's HLS C++ run on the host (bit-exact) -----------*- C++ -*-===//
//
// Calls hw's top function exactly as the board's host code drives the kernel: instruction
// region, DDR image, buffer table and the s_axilite register block (hw/include/vimq/hw/
// Overlay.h). Every target of hw/targets/ is built in (vimq/hw/SimTargets.h): a session runs on
// the simulator whose fingerprint its bundle carries; the device by itself is the default
// target's.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/runtime/Device.h"

#include "vimq/hw/Overlay.h"
#include "vimq/hw/SimControl.h"
#include "vimq/hw/SimTargets.h"
#include "vimq/isa/Isa.h"
#include "vimq/support/Error.h"

#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace vimq::rt {
namespace {

/// The simulator of one target.
class SimTargetDevice final : public Device {
public:
  SimTargetDevice(const hw::SimTarget &target, const DeviceOptions &opts)
      : target(target), trace(opts.traceInstructions), timingOnly(opts.timingOnly),
        progress(opts.progress) {}
  std::string description() const override { return formatv("sim ({0})", target.name).str(); }
  uint64_t fingerprint() const override { return target.fingerprint; }
  Expected<Profile> run(ArrayRef<isa::Instr> code, DdrImage &image) override;

private:
  const hw::SimTarget &target;
  bool trace; ///< record every instruction's timing (Profile::instructions)
  bool timingOnly;
  std::function<void(uint64_t, uint64_t)> progress;
};

/// Every built-in target; by itself (description, fingerprint, run) the default one.
class SimDevice final : public Device {
public:
  explicit SimDevice(const DeviceOptions &opts) {
    for (const hw::SimTarget *t : hw::simTargets()) {
      targets.push_back(std::make_unique<SimTargetDevice>(*t, opts));
      if (t == &hw::defaultSimTarget())
        defaultTarget = targets.back().get();
    }
  }
  std::string description() const override { return defaultTarget->description(); }
  uint64_t fingerprint() const override { return defaultTarget->fingerprint(); }
  Expected<Profile> run(ArrayRef<isa::Instr> code, DdrImage &image) override {
    return defaultTarget->run(code, image);
  }
  Expected<Device &> forBundle(const isa::Bundle &bundle) override {
    for (const std::unique_ptr<SimTargetDevice> &t : targets)
      if (t->fingerprint() == bundle.fingerprint)
        return *t;
    return makeError("fingerprint mismatch: the bundle was compiled for target '{0}' "
                     "(0x{1:x-16}), which is none of the sim's built-in targets: {2}",
                     bundle.target, bundle.fingerprint, hw::simTargetList());
  }

private:
  std::vector<std::unique_ptr<SimTargetDevice>> targets;
  SimTargetDevice *defaultTarget = nullptr;
};

std::string waitingUnits(uint32_t mask) {
  std::string out;
  ListSeparator sep(", ");
  for (unsigned u = 0; u < hw::kNumUnits; ++u)
    if ((mask >> u) & 1)
      out += (Twine(StringRef(sep)) + hw::unitName(static_cast<hw::Unit>(u))).str();
  return out.empty() ? "none" : out;
}

Expected<Profile> SimTargetDevice::run(ArrayRef<isa::Instr> code, DdrImage &image) {
  if (code.size() > UINT32_MAX || image.table.size() > UINT32_MAX)
    return makeError("program or buffer table too large for the control registers");
  std::vector<hw::DdrBuffer> table;
  for (const DdrImage::Buffer &b : image.table)
    table.push_back({b.base, b.size});

  hw::Control ctl;
  ctl.start = 1;
  ctl.insnBase = 0;
  ctl.insnCount = static_cast<uint32_t>(code.size());
  ctl.numBuffers = static_cast<uint32_t>(table.size());
  std::vector<hw::SimTraceEvent> events;
  hw::setSimTrace(trace ? &events : nullptr);
  hw::setSimTimingOnly(timingOnly);
  hw::SimProgressFn report = [](void *ctx, uint64_t done, uint64_t total) {
    (*static_cast<std::function<void(uint64_t, uint64_t)> *>(ctx))(done, total);
  };
  hw::setSimProgress(progress ? report : nullptr, &progress);
  target.overlay(code.data(), image.bytes.data(), table.data(), ctl);
  hw::setSimTrace(nullptr);
  hw::setSimTimingOnly(false);
  hw::setSimProgress(nullptr, nullptr);

  if (!ctl.done)
    return makeError("sim: the overlay did not raise done");
  if (ctl.error != 0) {
    auto err = static_cast<hw::OverlayError>(ctl.error);
    StringRef mnemonic = "?";
    if (ctl.errorInsn < code.size())
      if (const isa::OpcodeInfo *info = isa::lookupOpcode(isa::opcodeOf(code[ctl.errorInsn])))
        mnemonic = info->name;
    std::string msg = formatv("sim: instruction {0} ({1}): {2}", ctl.errorInsn, mnemonic,
                              hw::overlayErrorName(err))
                          .str();
    if (err == hw::OverlayError::Deadlock)
      msg += "; waiting units: " + waitingUnits(ctl.waitingUnits);
    return makeError("{0}", msg);
  }

  Profile p;
  p.cycles = ctl.cycles;
  p.clockMhz = ctl.clockMhz;
  for (unsigned u = 0; u < hw::kNumUnits; ++u) {
    const hw::UnitProfile &s = ctl.profile[u];
    p.units.push_back({hw::unitName(static_cast<hw::Unit>(u)), s.instructions, s.busyCycles,
                       s.stallCmdCycles, s.stallTokenCycles, s.stallFullCycles, s.stallDdrCycles,
                       s.ddrBytes});
  }
  p.instructions.reserve(events.size());
  for (const hw::SimTraceEvent &e : events)
    p.instructions.push_back({e.index, e.unit, e.start, e.end, e.ddrBytes});
  return p;
}

} // namespace

std::unique_ptr<Device> createSimDevice(const DeviceOptions &opts) {
  return std::make_unique<SimDevice>(opts);
}

} // namespace vimq::rt
