//===- Device.cpp - device selection and profile printing ---------------------------*- C++ -*-===//

#include "vimq/runtime/Device.h"

#include "vimq/support/Error.h"

#include <nlohmann/json.hpp>

#include <atomic>

using namespace llvm;

namespace vimq::rt {

Device::~Device() = default;

uint64_t newImageGeneration() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1);
}

Expected<Device &> Device::forBundle(const isa::Bundle &bundle) {
  if (fingerprint() != bundle.fingerprint)
    return makeError("fingerprint mismatch: the bundle was compiled for target '{0}' "
                     "(0x{1:x-16}), device {2} has 0x{3:x-16}",
                     bundle.target, bundle.fingerprint, description(), fingerprint());
  return *this;
}

Expected<std::unique_ptr<Device>> Device::open(StringRef spec, const DeviceOptions &opts) {
  if (spec == "sim")
    return createSimDevice(opts);
  for (StringRef kind : {"xrt", "xdma"}) {
    StringRef rest = spec;
    if (!rest.consume_front(kind))
      continue;
    unsigned index = 0;
    if (!rest.empty() && (!rest.consume_front(":") || rest.getAsInteger(10, index)))
      return makeError("device '{0}': expected {1} or {1}:N", spec, kind);
    return kind == "xrt" ? createXrtDevice(index, opts) : createXdmaDevice(index, opts);
  }
  return makeError("unknown device '{0}' (expected sim, xrt, xrt:N, xdma or xdma:N)", spec);
}

std::string Profile::toJson() const {
  nlohmann::ordered_json j;
  j["cycles"] = cycles;
  j["clock_mhz"] = clockMhz;
  j["latency_us"] = latencyMicroseconds();
  nlohmann::ordered_json units = nlohmann::ordered_json::array();
  for (const UnitProfile &u : this->units)
    units.push_back({{"unit", u.unit},
                     {"instructions", u.instructions},
                     {"busy_cycles", u.busyCycles},
                     {"stall_cmd_cycles", u.stallCmdCycles},
                     {"stall_token_cycles", u.stallTokenCycles},
                     {"stall_full_cycles", u.stallFullCycles},
                     {"stall_ddr_cycles", u.stallDdrCycles},
                     {"ddr_bytes", u.ddrBytes}});
  j["units"] = std::move(units);
  return j.dump(2);
}

#ifndef VIMQ_HAVE_XRT
bool haveXrtDevice() { return false; }
Expected<std::unique_ptr<Device>> createXrtDevice(unsigned, const DeviceOptions &) {
  return makeError("this build has no xrt device (libxrt-dev was not found at configure time)");
}
#endif

} // namespace vimq::rt
