//===- XrtDeviceTest.cpp - the xrt device against a fake of the XRT calls it makes -----===//
//
// The fake keeps a host and a device copy of every buffer object (only sync moves bytes
// between them), records every call, and on start() emulates the xclbin's kernel on the device
// copies by its ABI argument indices: vimq_fetch through the simulated overlay (FakeKernel.h),
// vimq_seq by calling the sequential core itself. No board has ever run this path.
//
//===----------------------------------------------------------------------------------------===//

#include "FakeKernel.h"
#include "XrtApi.h"

#include "vimq/isa/ProgramAsm.h"
#include "vimq/runtime/Session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

using namespace vimq;
namespace kabi = vimq::hw::abi;
using llvm::Error;
using llvm::Expected;

namespace {

struct Transfer {
  unsigned arg; ///< the kernel argument the BO was allocated for
  size_t size, offset;
};

/// Everything the fake saw, shared by its objects.
struct FakeLog {
  std::vector<std::string> calls;
  std::vector<Transfer> syncsToDevice;
  std::vector<std::map<unsigned, std::string>> startedArgs; ///< per start: index -> "bo:<arg>" / value
  uint64_t fingerprintXor = 0;
  bool hang = false;
  /// The kernels the "xclbin" holds (the concurrent core's by default).
  std::vector<std::string> kernels = {"vimq_fetch"};
};

/// hw::vimq_seq on the device copies (the ABI's byte forms -> its word forms and back).
void emulateVimqSeq(const std::vector<uint8_t> &insns, uint32_t insnCount, uint8_t *ddr,
                    const std::vector<uint8_t> &table, uint32_t numBuffers, uint8_t *status,
                    uint64_t fingerprintXor) {
  auto words = [](const std::vector<uint8_t> &bytes, size_t n) {
    std::vector<uint64_t> out(n);
    for (size_t i = 0; i < n; ++i)
      out[i] = kabi::loadLe64(bytes.data() + 8 * i);
    return out;
  };
  std::vector<uint64_t> insnWords = words(insns, size_t(insnCount) * kabi::kInsnBytes / 8);
  std::vector<uint64_t> tableWords = words(table, size_t(numBuffers) * kabi::kBufferEntryBytes / 8);
  std::vector<uint64_t> out(kabi::kStatusWords, 0);
  hw::vimq_seq(insnWords.data(), insnCount, ddr, tableWords.data(), numBuffers, out.data());
  out[1] ^= fingerprintXor;
  const uint32_t written = insnCount == 0 ? kabi::kStatusHeaderWords : kabi::kStatusWords;
  for (uint32_t w = 0; w < written; ++w)
    kabi::storeLe64(status + 8 * w, out[w]);
}

class FakeBo final : public rt::xrtapi::Bo {
public:
  FakeBo(FakeLog &log, size_t bytes, unsigned arg)
      : log(log), arg(arg), host(bytes), device(bytes) {}
  Error write(const void *src, size_t size, size_t offset) override {
    if (offset + size > host.size())
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "write past the BO");
    std::memcpy(host.data() + offset, src, size);
    return Error::success();
  }
  Error read(void *dst, size_t size, size_t offset) override {
    if (offset + size > host.size())
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "read past the BO");
    std::memcpy(dst, host.data() + offset, size);
    return Error::success();
  }
  Error syncToDevice(size_t size, size_t offset) override {
    log.syncsToDevice.push_back({arg, size, offset});
    std::memcpy(device.data() + offset, host.data() + offset, size);
    return Error::success();
  }
  Error syncFromDevice(size_t size, size_t offset) override {
    std::memcpy(host.data() + offset, device.data() + offset, size);
    return Error::success();
  }
  FakeLog &log;
  unsigned arg;
  std::vector<uint8_t> host, device;
};

class FakeRun final : public rt::xrtapi::Run {
public:
  FakeRun(FakeLog &log, std::string kernel) : log(log), kernel(std::move(kernel)) {}
  Error setArg(unsigned index, rt::xrtapi::Bo &bo) override {
    bos[index] = static_cast<FakeBo *>(&bo);
    return Error::success();
  }
  Error setArg(unsigned index, uint32_t value) override {
    values[index] = value;
    return Error::success();
  }
  Error start() override {
    std::map<unsigned, std::string> args;
    for (auto &[i, bo] : bos)
      args[i] = "bo:" + std::to_string(bo->arg);
    for (auto &[i, v] : values)
      args[i] = std::to_string(v);
    log.startedArgs.push_back(args);
    log.calls.push_back("start");
    if (log.hang)
      return Error::success();
    // The kernel, reading its arguments by the ABI's indices.
    FakeBo *insns = bos.at(kabi::kArgInsns), *ddr = bos.at(kabi::kArgDdr),
           *table = bos.at(kabi::kArgBuffers), *status = bos.at(kabi::kArgStatus);
    if (kernel == "vimq_seq") {
      emulateVimqSeq(insns->device, values.at(kabi::kArgInsnCount), ddr->device.data(),
                     table->device, values.at(kabi::kArgNumBuffers), status->device.data(),
                     log.fingerprintXor);
      return Error::success();
    }
    test::emulateVimqFetch(insns->device.data(), values.at(kabi::kArgInsnCount),
                           ddr->device.data(), table->device.data(),
                           values.at(kabi::kArgNumBuffers), status->device.data(),
                           log.fingerprintXor);
    return Error::success();
  }
  Error wait(std::chrono::milliseconds timeout) override {
    if (log.hang)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "the run did not finish within %d ms", int(timeout.count()));
    return Error::success();
  }
  FakeLog &log;
  std::string kernel;
  std::map<unsigned, FakeBo *> bos;
  std::map<unsigned, uint32_t> values;
};

class FakeKernel final : public rt::xrtapi::Kernel {
public:
  FakeKernel(FakeLog &log, std::string name) : log(log), name(std::move(name)) {}
  Expected<std::unique_ptr<rt::xrtapi::Bo>> allocBo(size_t bytes, unsigned arg) override {
    log.calls.push_back("alloc:" + std::to_string(arg));
    return std::make_unique<FakeBo>(log, bytes, arg);
  }
  Expected<std::unique_ptr<rt::xrtapi::Run>> createRun() override {
    return std::make_unique<FakeRun>(log, name);
  }
  FakeLog &log;
  std::string name;
};

class FakeApi final : public rt::xrtapi::Api {
public:
  explicit FakeApi(FakeLog &log) : log(log) {}
  Error openDevice(unsigned index) override {
    log.calls.push_back("open:" + std::to_string(index));
    return Error::success();
  }
  Error loadXclbin(llvm::StringRef path) override {
    log.calls.push_back("load:" + path.str());
    return Error::success();
  }
  Expected<std::unique_ptr<rt::xrtapi::Kernel>> openKernel(llvm::StringRef name) override {
    log.calls.push_back("kernel:" + name.str());
    // XRT's message for a kernel the xclbin lacks (xrt::kernel's constructor throws).
    if (std::find(log.kernels.begin(), log.kernels.end(), name.str()) == log.kernels.end())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "cannot open kernel: No such compute unit '%s'",
                                     name.str().c_str());
    return std::make_unique<FakeKernel>(log, name.str());
  }
  FakeLog &log;
};

std::unique_ptr<rt::Device> openFake(FakeLog &log) {
  rt::DeviceOptions opts;
  opts.xclbin = "overlay.xclbin";
  Expected<std::unique_ptr<rt::Device>> d =
      rt::createXrtDeviceWith(std::make_unique<FakeApi>(log), 0, opts);
  EXPECT_TRUE(bool(d)) << llvm::toString(d.takeError());
  return d ? std::move(*d) : nullptr;
}

isa::Bundle assemble(const char *text, uint64_t fingerprint) {
  Expected<isa::Bundle> b = isa::assembleProgram(text, "test.s");
  EXPECT_TRUE(bool(b)) << llvm::toString(b.takeError());
  if (!b)
    return {};
  b->fingerprint = fingerprint;
  return std::move(*b);
}

Tensor i32Tensor(int seed) {
  Tensor t(DType::I32, {3, 8});
  for (int i = 0; i < 24; ++i)
    t.data<int32_t>()[i] = seed * 100 + i - 7;
  return t;
}

/// y = w + x with w[i] = 1000 * (i + 1).
isa::Bundle addBundle(uint64_t fingerprint) {
  isa::Bundle b = assemble(test::kAddWeightsProgram, fingerprint);
  std::vector<int32_t> w(24);
  for (int i = 0; i < 24; ++i)
    w[i] = 1000 * (i + 1);
  b.buffers[0].init.resize(96);
  std::memcpy(b.buffers[0].init.data(), w.data(), 96);
  return b;
}

TEST(XrtDevice, AbiTableIsTheDocumentedOne) {
  // docs/runtime.md's table; a change here is a change of the hardware interface.
  EXPECT_EQ(kabi::kArgInsns, 0u);
  EXPECT_EQ(kabi::kArgInsnCount, 1u);
  EXPECT_EQ(kabi::kArgDdr, 2u);
  EXPECT_EQ(kabi::kArgBuffers, 3u);
  EXPECT_EQ(kabi::kArgNumBuffers, 4u);
  EXPECT_EQ(kabi::kArgStatus, 5u);
  EXPECT_EQ(kabi::kNumKernelArgs, 6u);
  EXPECT_STREQ(kabi::kernelArgName(kabi::kArgInsnCount), "insn_count");
  EXPECT_STREQ(kabi::kernelArgBundle(kabi::kArgDdr), "gmem1");
  EXPECT_EQ(kabi::kRegInsns, 0x10u);
  EXPECT_EQ(kabi::kRegInsnCount, 0x1cu);
  EXPECT_EQ(kabi::kRegDdr, 0x24u);
  EXPECT_EQ(kabi::kRegBuffers, 0x30u);
  EXPECT_EQ(kabi::kRegNumBuffers, 0x3cu);
  EXPECT_EQ(kabi::kRegStatus, 0x44u);
  EXPECT_EQ(kabi::kStatusBytes, 432u);
}

TEST(XrtDevice, StatusBlockRoundTripsWithExplicitOffsets) {
  kabi::StatusBlock s = kabi::makeStatusBlock(0x1122334455667788ull, 350);
  s.error = 6;
  s.errorInsn = 9;
  s.waitingUnits = 0x24;
  s.cycles = 0xabcdef012345ull;
  for (uint32_t u = 0; u < kabi::kStatusUnits; ++u)
    for (uint32_t c = 0; c < kabi::kUnitCounters; ++c)
      s.counters[u][c] = u * 100 + c;
  uint8_t bytes[kabi::kStatusBytes];
  kabi::encodeStatus(s, bytes);
  EXPECT_EQ(std::string(reinterpret_cast<char *>(bytes), 4), "VQST");
  EXPECT_EQ(bytes[8], 0x88);  // fingerprint, little-endian, at byte 8
  EXPECT_EQ(bytes[16], 350 & 0xff);
  EXPECT_EQ(bytes[20], 6);
  EXPECT_EQ(bytes[24], 9);
  EXPECT_EQ(bytes[28], 0x24);
  EXPECT_EQ(bytes[32], 0x45);
  // ssm (unit 4) stall_full (counter 4): 40 + (4 * 7 + 4) * 8.
  EXPECT_EQ(kabi::statusCounterOffset(kabi::kUnitSsm, kabi::kCounterStallFull), 296u);
  EXPECT_EQ(kabi::loadLe64(bytes + 296), 404u);
  kabi::StatusBlock d = kabi::decodeStatus(bytes);
  EXPECT_EQ(d.fingerprint, s.fingerprint);
  EXPECT_EQ(d.cycles, s.cycles);
  EXPECT_EQ(d.counters[6][6], 606u);
}

TEST(XrtDevice, FingerprintComesFromAQueryRunAtOpen) {
  FakeLog log;
  std::unique_ptr<rt::Device> dev = openFake(log);
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->fingerprint(), hw::simFingerprint());
  ASSERT_EQ(log.startedArgs.size(), 1u);
  EXPECT_EQ(log.startedArgs[0].at(kabi::kArgInsnCount), "0");
  ASSERT_GE(log.calls.size(), 3u);
  EXPECT_EQ(log.calls[0], "open:0");
  EXPECT_EQ(log.calls[1], "load:overlay.xclbin");
  EXPECT_EQ(log.calls[2], "kernel:vimq_fetch");
}

TEST(XrtDevice, ArgumentsAreSetAtTheAbiIndices) {
  FakeLog log;
  std::unique_ptr<rt::Device> dev = openFake(log);
  ASSERT_TRUE(dev);
  isa::Bundle b = addBundle(dev->fingerprint());
  Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_TRUE(bool(s)) << llvm::toString(s.takeError());
  ASSERT_TRUE(bool(s->run({{"x", i32Tensor(1)}})));
  ASSERT_EQ(log.startedArgs.size(), 2u);
  // Each buffer object sits at the index of the argument whose bank it was allocated in.
  std::map<unsigned, std::string> expected = {
      {0, "bo:0"}, {1, std::to_string(b.code.size())}, {2, "bo:2"},
      {3, "bo:3"}, {4, std::to_string(3)},             {5, "bo:5"}};
  EXPECT_EQ(log.startedArgs[1], expected);
}

TEST(XrtDevice, OutputsEqualTheSimDevices) {
  FakeLog log;
  std::unique_ptr<rt::Device> dev = openFake(log);
  ASSERT_TRUE(dev);
  std::unique_ptr<rt::Device> sim = std::move(*rt::Device::open("sim"));
  isa::Bundle b = addBundle(dev->fingerprint());
  Expected<rt::Session> board = rt::Session::create(b, *dev);
  Expected<rt::Session> ref = rt::Session::create(b, *sim);
  ASSERT_TRUE(board && ref);
  for (int seed : {1, 2}) {
    Expected<rt::TensorMap> got = board->run({{"x", i32Tensor(seed)}});
    Expected<rt::TensorMap> want = ref->run({{"x", i32Tensor(seed)}});
    ASSERT_TRUE(got && want);
    const Tensor &y = got->at("y");
    for (int i = 0; i < 24; ++i) {
      EXPECT_EQ(y.data<int32_t>()[i], want->at("y").data<int32_t>()[i]);
      EXPECT_EQ(y.data<int32_t>()[i], 1000 * (i + 1) + seed * 100 + i - 7);
    }
    EXPECT_EQ(board->profile().cycles, ref->profile().cycles);
    EXPECT_EQ(board->profile().units.size(), 7u);
  }
}

TEST(XrtDevice, WeightsAreUploadedOnceInputsEveryRun) {
  FakeLog log;
  std::unique_ptr<rt::Device> dev = openFake(log);
  ASSERT_TRUE(dev);
  isa::Bundle b = addBundle(dev->fingerprint());
  Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_TRUE(bool(s));
  log.syncsToDevice.clear();
  const int runs = 3;
  for (int r = 0; r < runs; ++r)
    ASSERT_TRUE(bool(s->run({{"x", i32Tensor(r)}})));
  // Buffers are 4 KiB apart in table order: weights at 0, input at 4096, output at 8192.
  auto covered = [&](uint64_t at) {
    int n = 0;
    for (const Transfer &t : log.syncsToDevice)
      n += t.arg == kabi::kArgDdr && t.offset <= at && at < t.offset + t.size;
    return n;
  };
  EXPECT_EQ(covered(0), 1);         // weights: once
  EXPECT_EQ(covered(4096), runs);   // input: every run
  EXPECT_EQ(covered(8192), 1);      // output: only with the first whole-image upload
  int programUploads = 0;
  for (const Transfer &t : log.syncsToDevice)
    programUploads += t.arg == kabi::kArgInsns;
  EXPECT_EQ(programUploads, 1);

  // A second session is a new image: everything again.
  Expected<rt::Session> s2 = rt::Session::create(b, *dev);
  ASSERT_TRUE(s2 && s2->run({{"x", i32Tensor(5)}}));
  EXPECT_EQ(covered(0), 2);
}

TEST(XrtDevice, OverlayErrorNamesTheInstructionAndWaitingUnits) {
  FakeLog log;
  std::unique_ptr<rt::Device> dev = openFake(log);
  ASSERT_TRUE(dev);
  isa::Bundle b = assemble(test::kDeadlockProgram, dev->fingerprint());
  rt::DdrImage image;
  image.bytes.resize(8192);
  image.table = {{0, 0}, {0, 96, isa::BufferKind::input}, {4096, 96, isa::BufferKind::output}};
  Expected<rt::Profile> p = dev->run(b.code, image);
  ASSERT_FALSE(bool(p));
  std::string msg = llvm::toString(p.takeError());
  EXPECT_NE(msg.find("xrt:0: instruction 1 (VECTOR): token deadlock"), std::string::npos) << msg;
  EXPECT_NE(msg.find("waiting units: vector, store"), std::string::npos) << msg;
}

TEST(XrtDevice, AnXclbinWithTheSequentialCoreRunsThroughVimqSeq) {
  FakeLog log;
  log.kernels = {"vimq_seq"};
  std::unique_ptr<rt::Device> dev = openFake(log);
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->fingerprint(), hw::simFingerprint()) << "vimq_seq's query run";
  ASSERT_GE(log.calls.size(), 4u);
  EXPECT_EQ(log.calls[2], "kernel:vimq_fetch");
  EXPECT_EQ(log.calls[3], "kernel:vimq_seq");
  isa::Bundle b = addBundle(dev->fingerprint());
  Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_TRUE(bool(s)) << llvm::toString(s.takeError());
  Expected<rt::TensorMap> got = s->run({{"x", i32Tensor(3)}});
  ASSERT_TRUE(bool(got)) << llvm::toString(got.takeError());
  const Tensor &y = got->at("y");
  for (int i = 0; i < 24; ++i)
    EXPECT_EQ(y.data<int32_t>()[i], 1000 * (i + 1) + 300 + i - 7) << i;
  EXPECT_GT(s->profile().cycles, 0u) << "vimq_seq reports the sum of the busy cycles";

  // Its errors come through the same status block.
  isa::Bundle dead = assemble(test::kDeadlockProgram, dev->fingerprint());
  rt::DdrImage image;
  image.bytes.resize(8192);
  image.table = {{0, 0}, {0, 96, isa::BufferKind::input}, {4096, 96, isa::BufferKind::output}};
  Expected<rt::Profile> p = dev->run(dead.code, image);
  ASSERT_FALSE(bool(p));
  std::string msg = llvm::toString(p.takeError());
  EXPECT_NE(msg.find("xrt:0: instruction "), std::string::npos) << msg;
  EXPECT_NE(msg.find("token deadlock"), std::string::npos) << msg;
}

TEST(XrtDevice, AnXclbinWithoutAnOverlayKernelNamesBoth) {
  FakeLog log;
  log.kernels = {"krnl_vadd"};
  rt::DeviceOptions opts;
  opts.xclbin = "other.xclbin";
  Expected<std::unique_ptr<rt::Device>> d =
      rt::createXrtDeviceWith(std::make_unique<FakeApi>(log), 0, opts);
  ASSERT_FALSE(bool(d));
  EXPECT_EQ(llvm::toString(d.takeError()),
            "xrt:0: other.xclbin: no overlay kernel: vimq_fetch: cannot open kernel: No such "
            "compute unit 'vimq_fetch'; vimq_seq: cannot open kernel: No such compute unit "
            "'vimq_seq'");
  EXPECT_TRUE(log.startedArgs.empty());
}

TEST(XrtDevice, FingerprintMismatchIsRefusedBySession) {
  FakeLog log;
  log.fingerprintXor = 1;
  std::unique_ptr<rt::Device> dev = openFake(log);
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->fingerprint(), hw::simFingerprint() ^ 1);
  isa::Bundle b = addBundle(hw::simFingerprint());
  Expected<rt::Session> s = rt::Session::create(b, *dev);
  ASSERT_FALSE(bool(s));
  EXPECT_NE(llvm::toString(s.takeError()).find("fingerprint mismatch"), std::string::npos);
}

TEST(XrtDevice, TimeoutAndMissingBitstreamAreErrors) {
  FakeLog log;
  log.hang = true;
  rt::DeviceOptions opts;
  opts.xclbin = "overlay.xclbin";
  Expected<std::unique_ptr<rt::Device>> d =
      rt::createXrtDeviceWith(std::make_unique<FakeApi>(log), 0, opts);
  ASSERT_FALSE(bool(d));
  EXPECT_EQ(llvm::toString(d.takeError()),
            "xrt:0: fingerprint query run: the run did not finish within 30000 ms");

  FakeLog log2;
  d = rt::createXrtDeviceWith(std::make_unique<FakeApi>(log2), 1, {});
  ASSERT_FALSE(bool(d));
  EXPECT_EQ(llvm::toString(d.takeError()),
            "xrt:1: an overlay bitstream is required (--xclbin FILE)");
}

} // namespace
