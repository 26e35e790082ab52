//===- XrtDevice.cpp - the overlay on a board, through XRT --------------------------*- C++ -*-===//
//
// Drives the kernel vimq_fetch (concurrent core) or vimq_seq (sequential core), whose argument
// list is hw/include/vimq/hw/KernelAbi.def: every run is an xrt::run with the arguments set by
// their ABI index, started and waited for (bounded by DeviceOptions::timeoutMs). The overlay
// reports through the status block, never through registers: at open a query run (insn_count
// 0) yields the fingerprint and clock, and every run yields the error, the failing instruction,
// the waiting units and the profile.
//
// Buffer objects stay allocated across runs. The program, the buffer table and the whole DDR
// image are uploaded when a new image generation (a new Session) first runs; later runs of
// the same generation upload only its input buffers and read back only its output buffers.
//
// All XRT calls go through XrtApi.h, so tests run this file against a fake.
//
//===----------------------------------------------------------------------------------------===//

#include "BoardStatus.h"
#include "XrtApi.h"

#include "vimq/support/Error.h"

using namespace llvm;

namespace vimq::rt {
namespace abi = hw::abi;

namespace xrtapi {
Bo::~Bo() = default;
Run::~Run() = default;
Kernel::~Kernel() = default;
Api::~Api() = default;
} // namespace xrtapi

namespace {

class XrtDevice final : public Device {
public:
  static Expected<std::unique_ptr<Device>> open(std::unique_ptr<xrtapi::Api> api,
                                                unsigned index, const DeviceOptions &opts);

  std::string description() const override { return formatv("{0} ({1})", name, xclbin).str(); }
  uint64_t fingerprint() const override { return fingerprintValue; }
  Expected<Profile> run(ArrayRef<isa::Instr> code, DdrImage &image) override;

private:
  /// A kernel-argument buffer object and its size in bytes.
  struct Arg {
    std::unique_ptr<xrtapi::Bo> bo;
    size_t bytes = 0;
  };

  Error prefix(Error e) const { return withContext(std::move(e), name); }
  std::string label(StringRef what) const {
    return what.empty() ? name : name + ": " + what.str();
  }
  Error prefix(Error e, StringRef what) const { return withContext(std::move(e), label(what)); }
  /// Makes `arg` a buffer of at least `bytes` (> 0) in argument `index`'s bank.
  Error ensure(Arg &arg, size_t bytes, unsigned index);
  Error upload(Arg &arg, const void *src, size_t size, size_t offset);
  /// One run of the kernel (insnCount 0: the query run); returns the status block it wrote.
  Expected<abi::StatusBlock> execute(uint32_t insnCount, uint32_t numBuffers);
  Error uploadImage(ArrayRef<isa::Instr> code, const DdrImage &image);

  std::string name;
  std::string xclbin;
  std::chrono::milliseconds timeout{0};
  // Declared before the kernel and the buffers, which may refer to it: destroyed last.
  std::unique_ptr<xrtapi::Api> api;
  std::unique_ptr<xrtapi::Kernel> kernel;
  Arg insns, ddr, table, status;
  uint64_t residentGeneration = 0;
  uint64_t fingerprintValue = 0;
};

Error XrtDevice::ensure(Arg &arg, size_t bytes, unsigned index) {
  bytes = std::max<size_t>(bytes, 64); // XRT rejects empty buffers; keep every BO non-empty
  if (arg.bo && arg.bytes >= bytes)
    return Error::success();
  arg.bo.reset();
  Expected<std::unique_ptr<xrtapi::Bo>> bo = kernel->allocBo(bytes, index);
  if (!bo)
    return prefix(bo.takeError());
  arg.bo = std::move(*bo);
  arg.bytes = bytes;
  return Error::success();
}

Error XrtDevice::upload(Arg &arg, const void *src, size_t size, size_t offset) {
  if (size == 0)
    return Error::success();
  if (Error e = arg.bo->write(src, size, offset))
    return prefix(std::move(e));
  if (Error e = arg.bo->syncToDevice(size, offset))
    return prefix(std::move(e));
  return Error::success();
}

Expected<abi::StatusBlock> XrtDevice::execute(uint32_t insnCount, uint32_t numBuffers) {
  // A kernel that never writes its status must not be mistaken for the previous run's.
  StringRef what = insnCount == 0 ? "fingerprint query run" : "";
  std::vector<uint8_t> bytes(abi::kStatusBytes, 0);
  if (Error e = upload(status, bytes.data(), bytes.size(), 0))
    return e;
  Expected<std::unique_ptr<xrtapi::Run>> run = kernel->createRun();
  if (!run)
    return prefix(run.takeError(), what);
  xrtapi::Run &r = **run;
  Error e = r.setArg(abi::kArgInsns, *insns.bo);
  e = joinErrors(std::move(e), r.setArg(abi::kArgInsnCount, insnCount));
  e = joinErrors(std::move(e), r.setArg(abi::kArgDdr, *ddr.bo));
  e = joinErrors(std::move(e), r.setArg(abi::kArgBuffers, *table.bo));
  e = joinErrors(std::move(e), r.setArg(abi::kArgNumBuffers, numBuffers));
  e = joinErrors(std::move(e), r.setArg(abi::kArgStatus, *status.bo));
  if (e)
    return prefix(std::move(e), what);
  if (Error e = r.start())
    return prefix(std::move(e), what);
  if (Error e = r.wait(timeout))
    return prefix(std::move(e), what);
  if (Error e = status.bo->syncFromDevice(abi::kStatusBytes, 0))
    return prefix(std::move(e), what);
  if (Error e = status.bo->read(bytes.data(), bytes.size(), 0))
    return prefix(std::move(e), what);
  return decodeStatusBlock(label(what), bytes);
}

/// The overlay's kernel in the loaded xclbin: the concurrent core's vimq_fetch, else the
/// sequential core's vimq_seq (hw/src/Sequential.cpp). Both have the kernel ABI's arguments
/// and status block, so everything after the lookup is the same.
static Expected<std::unique_ptr<xrtapi::Kernel>> openOverlayKernel(xrtapi::Api &api) {
  static constexpr const char *kSequentialKernelName = "vimq_seq";
  Expected<std::unique_ptr<xrtapi::Kernel>> fetch = api.openKernel(abi::kKernelName);
  if (fetch)
    return fetch;
  std::string fetchWhy = toString(fetch.takeError());
  Expected<std::unique_ptr<xrtapi::Kernel>> seq = api.openKernel(kSequentialKernelName);
  if (seq)
    return seq;
  return makeError("no overlay kernel: {0}: {1}; {2}: {3}", abi::kKernelName, fetchWhy,
                   kSequentialKernelName, toString(seq.takeError()));
}

Expected<std::unique_ptr<Device>> XrtDevice::open(std::unique_ptr<xrtapi::Api> api,
                                                  unsigned index, const DeviceOptions &opts) {
  std::string name = formatv("xrt:{0}", index).str();
  if (opts.xclbin.empty())
    return makeError("{0}: an overlay bitstream is required (--xclbin FILE)", name);
  auto dev = std::make_unique<XrtDevice>();
  dev->name = name;
  dev->xclbin = opts.xclbin;
  dev->timeout = std::chrono::milliseconds(opts.timeoutMs);
  dev->api = std::move(api);
  if (Error e = dev->api->openDevice(index))
    return dev->prefix(std::move(e));
  if (Error e = dev->api->loadXclbin(opts.xclbin))
    return withContext(std::move(e), formatv("{0}: {1}", name, opts.xclbin).str());
  Expected<std::unique_ptr<xrtapi::Kernel>> kernel = openOverlayKernel(*dev->api);
  if (!kernel)
    return withContext(kernel.takeError(), formatv("{0}: {1}", name, opts.xclbin).str());
  dev->kernel = std::move(*kernel);
  // Every pointer argument gets a buffer now, so the query run passes valid addresses.
  if (Error e = dev->ensure(dev->insns, 0, abi::kArgInsns))
    return e;
  if (Error e = dev->ensure(dev->ddr, 0, abi::kArgDdr))
    return e;
  if (Error e = dev->ensure(dev->table, 0, abi::kArgBuffers))
    return e;
  if (Error e = dev->ensure(dev->status, abi::kStatusBytes, abi::kArgStatus))
    return e;
  // The query run: the bitstream tells which overlay it is before anything runs on it.
  Expected<abi::StatusBlock> query = dev->execute(0, 0);
  if (!query)
    return query.takeError();
  dev->fingerprintValue = query->fingerprint;
  return std::unique_ptr<Device>(std::move(dev));
}

Error XrtDevice::uploadImage(ArrayRef<isa::Instr> code, const DdrImage &image) {
  std::vector<uint8_t> program = encodeProgram(code);
  std::vector<uint8_t> entries = encodeBufferTable(image);
  if (Error e = ensure(insns, program.size(), abi::kArgInsns))
    return e;
  if (Error e = ensure(table, entries.size(), abi::kArgBuffers))
    return e;
  if (Error e = ensure(ddr, image.bytes.size(), abi::kArgDdr))
    return e;
  if (Error e = upload(insns, program.data(), program.size(), 0))
    return e;
  if (Error e = upload(table, entries.data(), entries.size(), 0))
    return e;
  return upload(ddr, image.bytes.data(), image.bytes.size(), 0);
}

Expected<Profile> XrtDevice::run(ArrayRef<isa::Instr> code, DdrImage &image) {
  if (code.empty() || code.size() > UINT32_MAX || image.table.size() > UINT32_MAX)
    return makeError("{0}: {1} instructions and {2} buffers do not fit the kernel's arguments",
                     name, code.size(), image.table.size());
  bool resident = image.generation != 0 && image.generation == residentGeneration;
  if (!resident) {
    residentGeneration = 0; // until the whole image is on the card
    if (Error e = uploadImage(code, image))
      return e;
    residentGeneration = image.generation;
  } else {
    for (const DdrImage::Buffer &b : image.table)
      if (uploadBuffer(b, /*resident=*/true))
        if (Error e = upload(ddr, image.bytes.data() + b.base, b.size, b.base))
          return e;
  }

  Expected<abi::StatusBlock> status =
      execute(uint32_t(code.size()), uint32_t(image.table.size()));
  if (!status)
    return status.takeError();
  Expected<Profile> profile = profileFromStatus(name, *status, code);
  if (!profile)
    return profile.takeError();

  for (const DdrImage::Buffer &b : image.table) {
    if (!downloadBuffer(b, image.generation))
      continue;
    if (Error e = ddr.bo->syncFromDevice(b.size, b.base))
      return prefix(std::move(e));
    if (Error e = ddr.bo->read(image.bytes.data() + b.base, b.size, b.base))
      return prefix(std::move(e));
  }
  return profile;
}

} // namespace

Expected<std::unique_ptr<Device>> createXrtDeviceWith(std::unique_ptr<xrtapi::Api> api,
                                                      unsigned index, const DeviceOptions &opts) {
  return XrtDevice::open(std::move(api), index, opts);
}

#ifdef VIMQ_HAVE_XRT
bool haveXrtDevice() { return true; }
Expected<std::unique_ptr<Device>> createXrtDevice(unsigned index, const DeviceOptions &opts) {
  return XrtDevice::open(xrtapi::createRealApi(), index, opts);
}
#endif

} // namespace vimq::rt
