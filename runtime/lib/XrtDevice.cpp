//===- XrtDevice.cpp - the overlay on a board, through XRT --------------------------*- C++ -*-===//
//
// Built only when libxrt-dev is found (cmake/FindXRT.cmake). XRT reports failures with C++
// exceptions; every call is wrapped so that the runtime's callers only ever see llvm::Error.
//
// Kernel interface (hw/include/vimq/hw/Overlay.h): vimq_overlay(insns, ddr, buffers, ctl) with
// the Control block on s_axilite. The argument order below and the fingerprint register
// offsets follow the HLS-generated register map of that signature (docs/runtime.md).
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/runtime/Device.h"

#include "vimq/support/Error.h"

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include <exception>
#include <optional>

using namespace llvm;

namespace vimq::rt {
namespace {

constexpr const char *kKernelName = "vimq_overlay";
// s_axilite byte offsets of the read-only fingerprint (two 32-bit halves), cycle counter and
// status registers, as laid out by the HLS interface synthesis of hw::Control.
constexpr uint32_t kRegFingerprintLo = 0x60, kRegFingerprintHi = 0x64;
constexpr uint32_t kRegError = 0x40, kRegErrorInsn = 0x48;
constexpr uint32_t kRegCyclesLo = 0x58, kRegCyclesHi = 0x5c, kRegClockMhz = 0x68;
// Kernel argument indices.
enum : int { kArgInsns = 0, kArgDdr, kArgBuffers, kArgInsnBase, kArgInsnCount, kArgNumBuffers };

class XrtDevice final : public Device {
public:
  static Expected<std::unique_ptr<Device>> open(unsigned index, const DeviceOptions &opts);

  std::string description() const override {
    return formatv("xrt:{0} ({1})", index, xclbinPath).str();
  }
  uint64_t fingerprint() const override { return fingerprintValue; }
  Expected<Profile> run(ArrayRef<isa::Instr> code, DdrImage &image) override;

private:
  unsigned index = 0;
  std::string xclbinPath;
  xrt::device device;
  xrt::kernel kernel;
  uint64_t fingerprintValue = 0;
};

Expected<std::unique_ptr<Device>> XrtDevice::open(unsigned index, const DeviceOptions &opts) {
  if (opts.xclbin.empty())
    return makeError("xrt:{0}: an overlay bitstream is required (--xclbin FILE)", index);
  auto dev = std::make_unique<XrtDevice>();
  dev->index = index;
  dev->xclbinPath = opts.xclbin;
  try {
    dev->device = xrt::device(index);
  } catch (const std::exception &e) {
    return makeError("xrt:{0}: cannot open the board: {1}", index, e.what());
  }
  try {
    xrt::uuid uuid = dev->device.load_xclbin(opts.xclbin);
    // Exclusive access: the runtime reads the fingerprint and status registers directly.
    dev->kernel = xrt::kernel(dev->device, uuid, kKernelName,
                              xrt::kernel::cu_access_mode::exclusive);
    // Read before the first run: the bitstream must be the overlay the bundle expects.
    dev->fingerprintValue = uint64_t(dev->kernel.read_register(kRegFingerprintLo)) |
                            uint64_t(dev->kernel.read_register(kRegFingerprintHi)) << 32;
  } catch (const std::exception &e) {
    return makeError("xrt:{0}: cannot load '{1}': {2}", index, opts.xclbin, e.what());
  }
  return std::unique_ptr<Device>(std::move(dev));
}

Expected<Profile> XrtDevice::run(ArrayRef<isa::Instr> code, DdrImage &image) {
  try {
    size_t insnBytes = code.size() * isa::kInstrBytes;
    xrt::bo insns(device, insnBytes, kernel.group_id(kArgInsns));
    std::vector<uint8_t> stream(insnBytes);
    for (size_t i = 0; i < code.size(); ++i)
      isa::storeInstr(code[i], stream.data() + i * isa::kInstrBytes);
    insns.write(stream.data());
    insns.sync(XCL_BO_SYNC_BO_TO_DEVICE);

    xrt::bo ddr(device, std::max<size_t>(image.bytes.size(), 1), kernel.group_id(kArgDdr));
    ddr.write(image.bytes.data(), image.bytes.size(), 0);
    ddr.sync(XCL_BO_SYNC_BO_TO_DEVICE);

    // The table holds offsets into the ddr argument, 16 bytes per entry (base, size).
    std::vector<uint64_t> table;
    for (const DdrImage::Buffer &b : image.table) {
      table.push_back(b.base);
      table.push_back(b.size);
    }
    xrt::bo buffers(device, std::max<size_t>(table.size() * 8, 16),
                    kernel.group_id(kArgBuffers));
    buffers.write(table.data(), table.size() * 8, 0);
    buffers.sync(XCL_BO_SYNC_BO_TO_DEVICE);

    xrt::run run = kernel(insns, ddr, buffers, uint32_t(0), uint32_t(code.size()),
                          uint32_t(image.table.size()));
    run.wait();

    if (uint32_t err = kernel.read_register(kRegError))
      return makeError("xrt:{0}: instruction {1}: overlay error code {2}", index,
                       kernel.read_register(kRegErrorInsn), err);
    ddr.sync(XCL_BO_SYNC_BO_FROM_DEVICE);
    ddr.read(image.bytes.data(), image.bytes.size(), 0);

    Profile p;
    p.cycles = uint64_t(kernel.read_register(kRegCyclesLo)) |
               uint64_t(kernel.read_register(kRegCyclesHi)) << 32;
    p.clockMhz = kernel.read_register(kRegClockMhz);
    return p;
  } catch (const std::exception &e) {
    return makeError("xrt:{0}: run failed: {1}", index, e.what());
  }
}

} // namespace

bool haveXrtDevice() { return true; }

Expected<std::unique_ptr<Device>> createXrtDevice(unsigned index, const DeviceOptions &opts) {
  return XrtDevice::open(index, opts);
}

} // namespace vimq::rt
