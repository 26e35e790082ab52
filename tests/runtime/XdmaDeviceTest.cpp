//===- XdmaDeviceTest.cpp - the xdma device against a fake card made of regular files ----===//
//
// xdma0_h2c_0 and xdma0_c2h_0 are one file (hard links): the card's memory, written and read
// at card addresses by the device's real pwrite/pread traffic. xdma0_user is the register
// file. A card thread polls its control word; on ap_start it reads the arguments at the ABI
// register offsets, runs vimq_fetch's emulation (FakeKernel.h) on the card-memory bytes,
// writes the results back and raises ap_done. No board has ever run this path.
//
//===----------------------------------------------------------------------------------------===//

#include "FakeKernel.h"

#include "vimq/isa/ProgramAsm.h"
#include "vimq/runtime/Session.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fcntl.h>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace vimq;
namespace kabi = vimq::hw::abi;

namespace {

uint32_t readWord(int fd, uint64_t at) {
  uint8_t b[4] = {};
  EXPECT_EQ(::pread(fd, b, 4, off_t(at)), 4);
  return kabi::loadLe32(b);
}
void writeWord(int fd, uint64_t at, uint32_t v) {
  uint8_t b[4];
  kabi::storeLe32(b, v);
  EXPECT_EQ(::pwrite(fd, b, 4, off_t(at)), 4);
}
std::vector<uint8_t> readBytes(int fd, uint64_t at, size_t n) {
  std::vector<uint8_t> out(n);
  EXPECT_EQ(::pread(fd, out.data(), n, off_t(at)), ssize_t(n));
  return out;
}

/// A card in a temp dir, with the kernel running on a helper thread while `respond` is set.
class FakeCard {
public:
  explicit FakeCard(bool respond = true, uint64_t fingerprintXor = 0)
      : fingerprintXor(fingerprintXor) {
    llvm::SmallString<128> d;
    EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("vimq-xdma", d));
    dir = std::string(d);
    std::ofstream(dir + "/xdma0_user").write(std::string(0x1000, '\0').data(), 0x1000);
    std::ofstream(dir + "/xdma0_h2c_0").flush();
    EXPECT_EQ(::link((dir + "/xdma0_h2c_0").c_str(), (dir + "/xdma0_c2h_0").c_str()), 0);
    user = ::open((dir + "/xdma0_user").c_str(), O_RDWR);
    mem = ::open((dir + "/xdma0_h2c_0").c_str(), O_RDWR);
    if (respond)
      thread = std::thread([this] { serve(); });
  }
  ~FakeCard() {
    stop = true;
    if (thread.joinable())
      thread.join();
    ::close(user);
    ::close(mem);
    llvm::sys::fs::remove_directories(dir);
  }

  rt::DeviceOptions options(uint64_t cardBase = 0x10000) const {
    rt::DeviceOptions o;
    o.xdmaDir = dir;
    o.cardBase = cardBase;
    o.timeoutMs = 200;
    return o;
  }

  std::string dir;
  int user = -1, mem = -1;
  std::atomic<int> starts{0};
  std::atomic<uint32_t> lastInsnCount{0};

private:
  uint64_t reg64(uint32_t at) {
    return uint64_t(readWord(user, at)) | uint64_t(readWord(user, at + 4)) << 32;
  }
  void serve() {
    while (!stop) {
      if (!(readWord(user, kabi::kRegControl) & kabi::kCtrlApStart)) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        continue;
      }
      uint64_t insns = reg64(kabi::kRegInsns), ddr = reg64(kabi::kRegDdr),
               table = reg64(kabi::kRegBuffers), status = reg64(kabi::kRegStatus);
      uint32_t count = readWord(user, kabi::kRegInsnCount);
      uint32_t nbuf = readWord(user, kabi::kRegNumBuffers);
      lastInsnCount = count;
      std::vector<uint8_t> code = readBytes(mem, insns, size_t(count) * kabi::kInsnBytes);
      std::vector<uint8_t> entries = readBytes(mem, table, size_t(nbuf) * kabi::kBufferEntryBytes);
      uint64_t ddrBytes = 0;
      for (uint32_t i = 0; i < nbuf; ++i)
        ddrBytes = std::max(ddrBytes, kabi::bufferEntryBase(entries.data(), i) +
                                          kabi::bufferEntrySize(entries.data(), i));
      std::vector<uint8_t> image = readBytes(mem, ddr, ddrBytes);
      std::vector<uint8_t> block = readBytes(mem, status, kabi::kStatusBytes);
      test::emulateVimqFetch(code.data(), count, image.data(), entries.data(), nbuf,
                             block.data(), fingerprintXor);
      EXPECT_EQ(::pwrite(mem, image.data(), image.size(), off_t(ddr)), ssize_t(image.size()));
      EXPECT_EQ(::pwrite(mem, block.data(), block.size(), off_t(status)), ssize_t(block.size()));
      ++starts;
      writeWord(user, kabi::kRegControl, kabi::kCtrlApDone | kabi::kCtrlApIdle);
    }
  }
  uint64_t fingerprintXor;
  std::atomic<bool> stop{false};
  std::thread thread;
};

isa::Bundle addBundle(uint64_t fingerprint) {
  llvm::Expected<isa::Bundle> b = isa::assembleProgram(test::kAddWeightsProgram, "test.s");
  EXPECT_TRUE(bool(b)) << llvm::toString(b.takeError());
  if (!b)
    return {};
  b->fingerprint = fingerprint;
  std::vector<int32_t> w(24);
  for (int i = 0; i < 24; ++i)
    w[i] = 1000 * (i + 1);
  b->buffers[0].init.resize(96);
  std::memcpy(b->buffers[0].init.data(), w.data(), 96);
  return std::move(*b);
}

Tensor input(int seed) {
  Tensor t(DType::I32, {3, 8});
  for (int i = 0; i < 24; ++i)
    t.data<int32_t>()[i] = seed * 100 + i - 7;
  return t;
}

TEST(XdmaDevice, QueryRunAtOpenReadsTheFingerprint) {
  FakeCard card;
  auto dev = rt::Device::open("xdma", card.options());
  ASSERT_TRUE(bool(dev)) << llvm::toString(dev.takeError());
  EXPECT_EQ((*dev)->fingerprint(), hw::simFingerprint());
  EXPECT_EQ(card.starts, 1);
  EXPECT_EQ(card.lastInsnCount, 0u);
  // The status block lives at the card base: the header the query wrote is there.
  std::vector<uint8_t> header = readBytes(card.mem, 0x10000, 8);
  EXPECT_EQ(std::string(header.begin(), header.begin() + 4), "VQST");
  EXPECT_EQ(kabi::loadLe32(header.data() + 4), kabi::kAbiVersion);
}

TEST(XdmaDevice, RunsMatchTheSimAndKeepWeightsResident) {
  FakeCard card;
  auto dev = rt::Device::open("xdma:0", card.options());
  ASSERT_TRUE(bool(dev)) << llvm::toString(dev.takeError());
  isa::Bundle b = addBundle((*dev)->fingerprint());
  llvm::Expected<rt::Session> s = rt::Session::create(b, **dev);
  ASSERT_TRUE(bool(s)) << llvm::toString(s.takeError());
  llvm::Expected<rt::TensorMap> out = s->run({{"x", input(1)}});
  ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
  for (int i = 0; i < 24; ++i)
    EXPECT_EQ(out->at("y").data<int32_t>()[i], 1000 * (i + 1) + 100 + i - 7);

  // The documented layout: table at base + 4 KiB, then the program, then the DDR image.
  const uint64_t table = 0x11000, insns = 0x12000, ddr = 0x13000;
  std::vector<uint8_t> entries = readBytes(card.mem, table, 3 * 16);
  EXPECT_EQ(kabi::bufferEntryBase(entries.data(), 1), 4096u);
  EXPECT_EQ(kabi::bufferEntrySize(entries.data(), 2), 96u);
  EXPECT_EQ(readWord(card.user, kabi::kRegInsns), insns);
  EXPECT_EQ(readWord(card.user, kabi::kRegDdr), ddr);
  EXPECT_EQ(readWord(card.user, kabi::kRegInsnCount), b.code.size());
  EXPECT_EQ(readWord(card.mem, ddr + 4), 2000u); // w[1]

  // Poison the weights on the card: a resident image is not uploaded again, so the next
  // run computes with the poison, and only the input region carries the new data.
  writeWord(card.mem, ddr, 7);
  out = s->run({{"x", input(2)}});
  ASSERT_TRUE(bool(out)) << llvm::toString(out.takeError());
  EXPECT_EQ(readWord(card.mem, ddr), 7u);
  EXPECT_EQ(readWord(card.mem, ddr + 4096), uint32_t(200 - 7));
  EXPECT_EQ(out->at("y").data<int32_t>()[0], 7 + 200 - 7);
  EXPECT_EQ(out->at("y").data<int32_t>()[1], 2000 + 200 + 1 - 7);
  EXPECT_EQ(s->profile().units.size(), 7u);
  EXPECT_GT(s->profile().cycles, 0u);

  // A new session is a new image: uploaded whole again.
  llvm::Expected<rt::Session> s2 = rt::Session::create(b, **dev);
  ASSERT_TRUE(s2 && s2->run({{"x", input(3)}}));
  EXPECT_EQ(readWord(card.mem, ddr), 1000u);
}

TEST(XdmaDevice, OverlayErrorNamesTheInstruction) {
  FakeCard card;
  auto dev = rt::Device::open("xdma", card.options(0));
  ASSERT_TRUE(bool(dev)) << llvm::toString(dev.takeError());
  llvm::Expected<isa::Bundle> b = isa::assembleProgram(test::kDeadlockProgram, "t.s");
  ASSERT_TRUE(bool(b)) << llvm::toString(b.takeError());
  rt::DdrImage image;
  image.bytes.resize(8192);
  image.table = {{0, 0}, {0, 96, isa::BufferKind::input}, {4096, 96, isa::BufferKind::output}};
  llvm::Expected<rt::Profile> p = (*dev)->run(b->code, image);
  ASSERT_FALSE(bool(p));
  std::string msg = llvm::toString(p.takeError());
  EXPECT_NE(msg.find("xdma:0: instruction 1 (VECTOR): token deadlock; waiting units: vector, "
                     "store"),
            std::string::npos)
      << msg;
}

TEST(XdmaDevice, NoApDoneIsATimeoutNotAHang) {
  FakeCard card(/*respond=*/false);
  auto t0 = std::chrono::steady_clock::now();
  auto dev = rt::Device::open("xdma", card.options());
  ASSERT_FALSE(bool(dev));
  std::string msg = llvm::toString(dev.takeError());
  EXPECT_NE(msg.find("xdma:0: fingerprint query run: no ap_done within 200 ms"),
            std::string::npos)
      << msg;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  // The device did write the query's arguments and ap_start at the ABI offsets.
  EXPECT_EQ(readWord(card.user, kabi::kRegControl), kabi::kCtrlApStart);
  EXPECT_EQ(readWord(card.user, kabi::kRegStatus), 0x10000u);
  EXPECT_EQ(readWord(card.user, kabi::kRegInsnCount), 0u);
}

TEST(XdmaDevice, MissingNodesAndMismatchAreErrors) {
  rt::DeviceOptions o;
  o.xdmaDir = "/nonexistent-vimq";
  auto dev = rt::Device::open("xdma:3", o);
  ASSERT_FALSE(bool(dev));
  EXPECT_EQ(llvm::toString(dev.takeError()),
            "xdma:3: cannot open /nonexistent-vimq/xdma3_user: No such file or directory");

  FakeCard card(/*respond=*/true, /*fingerprintXor=*/1);
  auto other = rt::Device::open("xdma", card.options());
  ASSERT_TRUE(bool(other)) << llvm::toString(other.takeError());
  isa::Bundle b = addBundle(hw::simFingerprint());
  llvm::Expected<rt::Session> s = rt::Session::create(b, **other);
  ASSERT_FALSE(bool(s));
  EXPECT_NE(llvm::toString(s.takeError()).find("fingerprint mismatch"), std::string::npos);
}

} // namespace
