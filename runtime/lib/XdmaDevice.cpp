//===- XdmaDevice.cpp - the overlay on a PCIe card through the XDMA driver ----------*- C++ -*-===//
//
// For boards without XRT (VC709, Virtex-7): the Xilinx XDMA driver's character devices.
//   <dir>/xdma<N>_h2c_0  host -> card DMA: pwrite(fd, src, size, card address)
//   <dir>/xdma<N>_c2h_0  card -> host DMA: pread(fd, dst, size, card address)
//   <dir>/xdma<N>_user   the AXI-lite BAR: 4-byte pread/pwrite at vimq_fetch's s_axilite
//                        register offsets (hw/include/vimq/hw/KernelAbi.h)
//
// Card memory layout, from DeviceOptions::cardBase (B), every region 4 KiB-aligned:
//   B + 0x0000  status block (KernelAbi.h, 432 bytes; the region is 4 KiB)
//   B + 0x1000  buffer table (num_buffers x 16 bytes)
//   then        instruction stream (32 bytes per instruction)
//   then        the DDR image: buffer-table bases are relative to it (the `ddr` argument)
//
// A run writes the arguments, sets ap_start, polls ap_done for at most
// DeviceOptions::timeoutMs and reads the status block. Like the xrt device, it uploads the
// program, the table and the whole DDR image once per image generation and then only inputs,
// and reads back only outputs. At open, a query run (insn_count 0) reads the fingerprint.
//
//===----------------------------------------------------------------------------------------===//

#include "BoardStatus.h"

#include "vimq/support/Error.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

using namespace llvm;

namespace vimq::rt {
namespace abi = hw::abi;

namespace {

constexpr uint64_t kRegionAlign = 4096;
constexpr uint64_t kStatusRegionBytes = 4096;

uint64_t alignUp(uint64_t v) { return (v + kRegionAlign - 1) / kRegionAlign * kRegionAlign; }

/// An open file descriptor, closed on destruction.
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : fd(fd) {}
  Fd(Fd &&o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd &operator=(Fd &&o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
  int get() const { return fd; }

private:
  int fd = -1;
};

/// Where one image lives on the card.
struct CardLayout {
  uint64_t status = 0, table = 0, insns = 0, ddr = 0, end = 0;
};

class XdmaDevice final : public Device {
public:
  static Expected<std::unique_ptr<Device>> open(unsigned index, const DeviceOptions &opts);

  std::string description() const override {
    return formatv("{0} ({1}, card base 0x{2:x})", name, userPath, cardBase).str();
  }
  uint64_t fingerprint() const override { return fingerprintValue; }
  Expected<Profile> run(ArrayRef<isa::Instr> code, DdrImage &image) override;

private:
  Error toCard(const void *src, size_t size, uint64_t address);
  Error fromCard(void *dst, size_t size, uint64_t address);
  Error writeReg(uint32_t offset, uint32_t value);
  Expected<uint32_t> readReg(uint32_t offset);
  /// One run of the kernel (insnCount 0: the query run) on the image placed at `at`.
  Expected<abi::StatusBlock> execute(const CardLayout &at, uint32_t insnCount,
                                     uint32_t numBuffers);

  std::string name, userPath, h2cPath, c2hPath;
  uint64_t cardBase = 0;
  std::chrono::milliseconds timeout{0};
  Fd user, h2c, c2h;
  CardLayout resident;
  uint64_t residentGeneration = 0;
  uint64_t fingerprintValue = 0;
};

Expected<Fd> openNode(StringRef device, const std::string &path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0)
    return makeError("{0}: cannot open {1}: {2}", device, path, std::strerror(errno));
  return Fd(fd);
}

Error XdmaDevice::toCard(const void *src, size_t size, uint64_t address) {
  const auto *p = static_cast<const uint8_t *>(src);
  while (size > 0) {
    ssize_t n = ::pwrite(h2c.get(), p, size, off_t(address));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return makeError("{0}: DMA to card address 0x{1:x} ({2}) failed: {3}", name, address,
                       h2cPath, n < 0 ? std::strerror(errno) : "nothing written");
    p += n, size -= size_t(n), address += uint64_t(n);
  }
  return Error::success();
}

Error XdmaDevice::fromCard(void *dst, size_t size, uint64_t address) {
  auto *p = static_cast<uint8_t *>(dst);
  while (size > 0) {
    ssize_t n = ::pread(c2h.get(), p, size, off_t(address));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return makeError("{0}: DMA from card address 0x{1:x} ({2}) failed: {3}", name, address,
                       c2hPath, n < 0 ? std::strerror(errno) : "end of card memory");
    p += n, size -= size_t(n), address += uint64_t(n);
  }
  return Error::success();
}

Error XdmaDevice::writeReg(uint32_t offset, uint32_t value) {
  uint8_t word[4];
  abi::storeLe32(word, value);
  if (::pwrite(user.get(), word, 4, offset) != 4)
    return makeError("{0}: cannot write register 0x{1:x} ({2}): {3}", name, offset, userPath,
                     std::strerror(errno));
  return Error::success();
}

Expected<uint32_t> XdmaDevice::readReg(uint32_t offset) {
  uint8_t word[4];
  if (::pread(user.get(), word, 4, offset) != 4)
    return makeError("{0}: cannot read register 0x{1:x} ({2}): {3}", name, offset, userPath,
                     errno ? std::strerror(errno) : "short read");
  return abi::loadLe32(word);
}

Expected<abi::StatusBlock> XdmaDevice::execute(const CardLayout &at, uint32_t insnCount,
                                               uint32_t numBuffers) {
  std::string label = insnCount == 0 ? name + ": fingerprint query run" : name;
  // A kernel that never writes its status must not be mistaken for the previous run's.
  std::vector<uint8_t> bytes(abi::kStatusBytes, 0);
  if (Error e = toCard(bytes.data(), bytes.size(), at.status))
    return e;

  Expected<uint32_t> control = readReg(abi::kRegControl);
  if (!control)
    return control.takeError();
  if (*control & abi::kCtrlApStart)
    return makeError("{0}: the kernel is still running a previous start (control 0x{1:x})",
                     label, *control);
  auto writeAddress = [&](uint32_t reg, uint64_t address) {
    return joinErrors(writeReg(reg, uint32_t(address)), writeReg(reg + 4, uint32_t(address >> 32)));
  };
  Error e = writeAddress(abi::kRegInsns, at.insns);
  e = joinErrors(std::move(e), writeReg(abi::kRegInsnCount, insnCount));
  e = joinErrors(std::move(e), writeAddress(abi::kRegDdr, at.ddr));
  e = joinErrors(std::move(e), writeAddress(abi::kRegBuffers, at.table));
  e = joinErrors(std::move(e), writeReg(abi::kRegNumBuffers, numBuffers));
  e = joinErrors(std::move(e), writeAddress(abi::kRegStatus, at.status));
  e = joinErrors(std::move(e), writeReg(abi::kRegControl, abi::kCtrlApStart));
  if (e)
    return e;

  // ap_done is clear-on-read: the first read that shows it ends the wait.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::microseconds(20);
  for (;;) {
    Expected<uint32_t> c = readReg(abi::kRegControl);
    if (!c)
      return c.takeError();
    if (*c & abi::kCtrlApDone)
      break;
    if (std::chrono::steady_clock::now() >= deadline)
      return makeError("{0}: no ap_done within {1} ms (control register 0x{2:x} at {3}); the "
                       "kernel may still be running",
                       label, timeout.count(), *c, userPath);
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(1));
  }

  if (Error e = fromCard(bytes.data(), bytes.size(), at.status))
    return e;
  return decodeStatusBlock(label, bytes);
}

Expected<std::unique_ptr<Device>> XdmaDevice::open(unsigned index, const DeviceOptions &opts) {
  auto dev = std::make_unique<XdmaDevice>();
  dev->name = formatv("xdma:{0}", index).str();
  std::string stem = (opts.xdmaDir.empty() ? std::string(".") : opts.xdmaDir) + "/xdma" +
                     std::to_string(index);
  dev->userPath = stem + "_user";
  dev->h2cPath = stem + "_h2c_0";
  dev->c2hPath = stem + "_c2h_0";
  dev->cardBase = opts.cardBase;
  dev->timeout = std::chrono::milliseconds(opts.timeoutMs);
  if (opts.cardBase % kRegionAlign)
    return makeError("{0}: card base 0x{1:x} is not 4 KiB-aligned", dev->name, opts.cardBase);
  Expected<Fd> user = openNode(dev->name, dev->userPath, O_RDWR);
  if (!user)
    return user.takeError();
  Expected<Fd> h2c = openNode(dev->name, dev->h2cPath, O_WRONLY);
  if (!h2c)
    return h2c.takeError();
  Expected<Fd> c2h = openNode(dev->name, dev->c2hPath, O_RDONLY);
  if (!c2h)
    return c2h.takeError();
  dev->user = std::move(*user);
  dev->h2c = std::move(*h2c);
  dev->c2h = std::move(*c2h);

  // The query run needs only the status address; the other arguments point at the empty
  // regions after it.
  CardLayout empty;
  empty.status = dev->cardBase;
  empty.table = empty.insns = empty.ddr = empty.end = dev->cardBase + kStatusRegionBytes;
  Expected<abi::StatusBlock> query = dev->execute(empty, 0, 0);
  if (!query)
    return query.takeError();
  dev->fingerprintValue = query->fingerprint;
  return std::unique_ptr<Device>(std::move(dev));
}

Expected<Profile> XdmaDevice::run(ArrayRef<isa::Instr> code, DdrImage &image) {
  if (code.empty() || code.size() > UINT32_MAX || image.table.size() > UINT32_MAX)
    return makeError("{0}: {1} instructions and {2} buffers do not fit the kernel's arguments",
                     name, code.size(), image.table.size());
  bool isResident = image.generation != 0 && image.generation == residentGeneration;
  if (!isResident) {
    residentGeneration = 0; // until the whole image is on the card
    std::vector<uint8_t> program = encodeProgram(code);
    std::vector<uint8_t> entries = encodeBufferTable(image);
    CardLayout at;
    at.status = cardBase;
    at.table = cardBase + kStatusRegionBytes;
    at.insns = at.table + alignUp(entries.size());
    at.ddr = at.insns + alignUp(program.size());
    at.end = at.ddr + alignUp(image.bytes.size());
    if (Error e = toCard(entries.data(), entries.size(), at.table))
      return e;
    if (Error e = toCard(program.data(), program.size(), at.insns))
      return e;
    if (Error e = toCard(image.bytes.data(), image.bytes.size(), at.ddr))
      return e;
    resident = at;
    residentGeneration = image.generation;
  } else {
    for (const DdrImage::Buffer &b : image.table)
      if (uploadBuffer(b, /*resident=*/true))
        if (Error e = toCard(image.bytes.data() + b.base, b.size, resident.ddr + b.base))
          return e;
  }

  Expected<abi::StatusBlock> status =
      execute(resident, uint32_t(code.size()), uint32_t(image.table.size()));
  if (!status)
    return status.takeError();
  Expected<Profile> profile = profileFromStatus(name, *status, code);
  if (!profile)
    return profile.takeError();
  for (const DdrImage::Buffer &b : image.table)
    if (downloadBuffer(b, image.generation))
      if (Error e = fromCard(image.bytes.data() + b.base, b.size, resident.ddr + b.base))
        return e;
  return profile;
}

} // namespace

Expected<std::unique_ptr<Device>> createXdmaDevice(unsigned index, const DeviceOptions &opts) {
  return XdmaDevice::open(index, opts);
}

} // namespace vimq::rt
