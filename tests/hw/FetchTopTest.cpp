//===- FetchTopTest.cpp - the HLS top vimq_fetch: query, dispatch, reports, status ----------===//
//
// The other modules do not run here (their tops block on their streams); the test plays their
// part by pre-filling the report streams, and checks what FETCH dispatched and wrote to the
// status block (vimq/hw/KernelAbi.h).
//
//===----------------------------------------------------------------------------------------===//
#include "Modules.h"

#include "vimq/hw/KernelAbi.h"
#include "vimq/hw/Overlay.h"

#include <gtest/gtest.h>

#include <vector>

using namespace vimq;
using namespace vimq::hw;
using isa::Opcode;

namespace {

struct FetchRun {
  std::vector<uint64_t> insns, table;
  std::vector<uint64_t> status = std::vector<uint64_t>(hw::abi::kStatusWords, 0);
  hls::stream<Command> cmd[kModules];
  hls::stream<Report> report[kModules];

  void add(const isa::Instr &in) { insns.insert(insns.end(), in.w, in.w + isa::kInstrWords); }
  hw::abi::StatusBlock run(uint32_t count) {
    uint8_t ddr[16] = {};
    vimq_fetch(insns.data(), count, ddr, table.data(), uint32_t(table.size() / 2), status.data(),
               cmd, report);
    std::vector<uint8_t> bytes(hw::abi::kStatusBytes);
    for (uint32_t w = 0; w < hw::abi::kStatusWords; ++w)
      hw::abi::storeLe64(bytes.data() + 8 * w, status[w]);
    return hw::abi::decodeStatus(bytes.data());
  }
};

isa::Instr instr(Opcode op, uint8_t pop = 0, uint8_t push = 0) {
  isa::Instr in;
  isa::setBits(in, isa::fld::COMMON_opcode, uint64_t(op));
  isa::setBits(in, isa::fld::COMMON_pop, pop);
  isa::setBits(in, isa::fld::COMMON_push, push);
  return in;
}

} // namespace

TEST(FetchTop, QueryWritesOnlyTheHeader) {
  FetchRun f;
  const hw::abi::StatusBlock s = f.run(0);
  EXPECT_EQ(s.magic, hw::abi::kStatusMagic);
  EXPECT_EQ(s.fingerprint, simFingerprint());
  EXPECT_EQ(s.clockMhz, 350u);
  for (uint32_t w = hw::abi::kStatusHeaderWords; w < hw::abi::kStatusWords; ++w)
    EXPECT_EQ(f.status[w], 0u) << w;
}

TEST(FetchTop, DispatchesResolvesBuffersAndEndsOnFinishReport) {
  FetchRun f;
  f.table = {4096, 256, 8192, 64}; // buffers 0 and 1
  isa::Instr load = instr(Opcode::LOAD);
  isa::setBits(load, isa::fld::LOAD_ddr_buf, 1);
  isa::Instr store = instr(Opcode::STORE);
  isa::setBits(store, isa::fld::STORE_ddr_buf, 7); // beyond the table
  f.add(load);
  f.add(instr(Opcode::SSM));
  f.add(store);
  f.add(instr(Opcode::FINISH));
  f.report[unsigned(isa::Module::load)].write(Report{3, 0, 1}); // FINISH done
  const hw::abi::StatusBlock s = f.run(4);
  EXPECT_EQ(s.error, 0u);
  EXPECT_GT(s.cycles, 0u);
  Command c = f.cmd[unsigned(isa::Module::load)].read();
  EXPECT_EQ(c.index, 0u);
  EXPECT_TRUE(c.ddrValid);
  EXPECT_EQ(c.ddr.base, 8192u);
  EXPECT_EQ(c.ddr.size, 64u);
  EXPECT_EQ(f.cmd[unsigned(isa::Module::ssm)].read().index, 1u);
  c = f.cmd[unsigned(isa::Module::store)].read();
  EXPECT_EQ(c.index, 2u);
  EXPECT_FALSE(c.ddrValid); // STORE reports DmaOutOfRange itself
  EXPECT_EQ(f.cmd[unsigned(isa::Module::load)].read().index, 3u); // FINISH, in LOAD's queue
}

TEST(FetchTop, FirstErrorReportStopsTheRun) {
  FetchRun f;
  f.add(instr(Opcode::LINEAR));
  f.add(instr(Opcode::FINISH));
  f.report[unsigned(isa::Module::linear)].write(Report{0, uint32_t(OverlayError::BadField), 0});
  const hw::abi::StatusBlock s = f.run(2);
  EXPECT_EQ(s.error, uint32_t(OverlayError::BadField));
  EXPECT_EQ(s.errorInsn, 0u);
}

TEST(FetchTop, DecodeErrorsAndMissingFinish) {
  FetchRun f;
  f.add(instr(Opcode::LINEAR, /*pop=*/1u << unsigned(isa::Module::linear))); // own queue
  hw::abi::StatusBlock s = f.run(1);
  EXPECT_EQ(s.error, uint32_t(OverlayError::BadField));
  EXPECT_EQ(s.errorInsn, 0u);

  FetchRun g;
  g.add(instr(Opcode::CONV1D));
  g.report[unsigned(isa::Module::conv)].write(Report{0, 0, 0});
  s = g.run(1);
  EXPECT_EQ(s.error, uint32_t(OverlayError::NoFinish));
  EXPECT_EQ(s.errorInsn, 1u);
}
