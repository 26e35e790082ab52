//===- replay_tb.cpp - the HLS csim/cosim testbench: replay one recorded run -------------------===//
//
//   replay_tb REPLAY_DIR
//
// Reads a replay directory written by `vimq-run --dump-replay` (runtime/include/vimq/runtime/
// Replay.h) and runs the instruction stream twice, each on its own copy of the recorded input
// DDR image: through the C-simulation harness entry vimq::hw::vimq_overlay (the concurrent
// core: it calls the module top functions) and through vimq::hw::vimq_seq (the sequential core,
// called with the kernel ABI's arguments). Under Vitis HLS csim/cosim the design under test --
// a module top or vimq_seq -- is the compiled C++ or its RTL. Each run's DDR image is compared
// with the recorded one. Prints PASS, or per failing core the first differing byte as buffer
// id + offset. Exit status: 0 both pass, 1 a mismatch or bad input.
//
// Plain C++14 with the standard library only: it is compiled by the HLS tools' csim compiler as
// well as by the project's (tests/hw/CMakeLists.txt, replay_tb_*).
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/KernelAbi.h"
#include "vimq/hw/Overlay.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

const unsigned kReplayVersion = 1;

bool readFile(const std::string &path, std::vector<uint8_t> &out) {
  std::ifstream in(path.c_str(), std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay_tb: error: cannot read %s\n", path.c_str());
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

uint64_t le64(const uint8_t *p) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 8; ++i)
    v |= uint64_t(p[i]) << (8 * i);
  return v;
}

/// meta.txt: "key value" per line.
bool readMeta(const std::string &path, std::map<std::string, std::string> &meta) {
  std::ifstream in(path.c_str());
  if (!in) {
    std::fprintf(stderr, "replay_tb: error: cannot read %s\n", path.c_str());
    return false;
  }
  std::string line;
  for (unsigned lineNo = 1; std::getline(in, line); ++lineNo) {
    if (line.empty())
      continue;
    std::string::size_type sp = line.find(' ');
    if (sp == std::string::npos) {
      std::fprintf(stderr, "replay_tb: error: %s:%u: expected 'key value'\n", path.c_str(), lineNo);
      return false;
    }
    meta[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return true;
}

bool metaNumber(const std::map<std::string, std::string> &meta, const std::string &path,
                const char *key, uint64_t &out) {
  std::map<std::string, std::string>::const_iterator it = meta.find(key);
  if (it == meta.end()) {
    std::fprintf(stderr, "replay_tb: error: %s: no '%s'\n", path.c_str(), key);
    return false;
  }
  std::istringstream ss(it->second);
  ss >> std::setbase(0) >> out;
  if (!ss || !ss.eof()) {
    std::fprintf(stderr, "replay_tb: error: %s: '%s %s' is not a number\n", path.c_str(), key,
                 it->second.c_str());
    return false;
  }
  return true;
}

/// Compares a run's DDR image with the recorded one; prints the first difference.
bool matches(const char *core, const std::vector<uint8_t> &ddr,
             const std::vector<uint8_t> &expected, const std::vector<vimq::hw::DdrBuffer> &table) {
  for (uint64_t at = 0; at < ddr.size(); ++at) {
    if (ddr[at] == expected[at])
      continue;
    for (uint64_t b = 0; b < table.size(); ++b)
      if (table[b].size != 0 && at >= table[b].base && at < table[b].base + table[b].size) {
        std::printf("FAIL: buffer %llu offset %llu: got 0x%02x, expected 0x%02x (%s)\n",
                    static_cast<unsigned long long>(b),
                    static_cast<unsigned long long>(at - table[b].base), ddr[at], expected[at],
                    core);
        return false;
      }
    std::printf("FAIL: DDR byte %llu (outside every buffer): got 0x%02x, expected 0x%02x (%s)\n",
                static_cast<unsigned long long>(at), ddr[at], expected[at], core);
    return false;
  }
  return true;
}

/// vimq_seq on a copy of the input image, with the kernel ABI's argument forms: instructions
/// as their words, the buffer table as {base, size} pairs, a status block. Returns whether it
/// finished without an error and left the recorded image; `cycles` = its status block's.
bool runSequential(const std::vector<vimq::isa::Instr> &insns,
                   const std::vector<vimq::hw::DdrBuffer> &table, std::vector<uint8_t> ddr,
                   const std::vector<uint8_t> &expected, uint64_t &cycles) {
  std::vector<uint64_t> words, tableWords, status(vimq::hw::abi::kStatusWords, 0);
  for (size_t i = 0; i < insns.size(); ++i)
    for (unsigned w = 0; w < vimq::isa::kInstrWords; ++w)
      words.push_back(insns[i].w[w]);
  for (size_t b = 0; b < table.size(); ++b) {
    tableWords.push_back(table[b].base);
    tableWords.push_back(table[b].size);
  }
  vimq::hw::vimq_seq(words.data(), static_cast<uint32_t>(insns.size()), ddr.data(),
                     tableWords.data(), static_cast<uint32_t>(table.size()), status.data());
  const uint32_t magic = static_cast<uint32_t>(status[0]);
  const uint32_t error = static_cast<uint32_t>(status[2] >> 32);
  const uint32_t errorInsn = static_cast<uint32_t>(status[3]);
  cycles = status[vimq::hw::abi::kStatusOffCycles / 8];
  if (magic != vimq::hw::abi::kStatusMagic) {
    std::printf("FAIL: vimq_seq wrote no status block (magic 0x%08x)\n", magic);
    return false;
  }
  if (error != 0) {
    std::printf("FAIL: vimq_seq stopped at instruction %u: %s\n", errorInsn,
                vimq::hw::overlayErrorName(static_cast<vimq::hw::OverlayError>(error)));
    return false;
  }
  return matches("vimq_seq", ddr, expected, table);
}

bool sizeIs(const std::string &name, const std::vector<uint8_t> &bytes, uint64_t expected) {
  if (bytes.size() == expected)
    return true;
  std::fprintf(stderr, "replay_tb: error: %s has %zu bytes, meta.txt says %llu\n", name.c_str(),
               bytes.size(), static_cast<unsigned long long>(expected));
  return false;
}

int replay(const std::string &dir) {
  std::map<std::string, std::string> meta;
  const std::string metaPath = dir + "/meta.txt";
  uint64_t version = 0, fingerprint = 0, numInsns = 0, numBuffers = 0, ddrBytes = 0;
  if (!readMeta(metaPath, meta) || !metaNumber(meta, metaPath, "version", version) ||
      !metaNumber(meta, metaPath, "fingerprint", fingerprint) ||
      !metaNumber(meta, metaPath, "insns", numInsns) ||
      !metaNumber(meta, metaPath, "buffers", numBuffers) ||
      !metaNumber(meta, metaPath, "ddr_bytes", ddrBytes))
    return 1;
  if (version != kReplayVersion) {
    std::fprintf(stderr, "replay_tb: error: %s: replay version %llu, this testbench reads %u\n",
                 metaPath.c_str(), static_cast<unsigned long long>(version), kReplayVersion);
    return 1;
  }
  if (fingerprint != vimq::hw::simFingerprint()) {
    std::fprintf(stderr,
                 "replay_tb: error: the replay was recorded on '%s' (fingerprint 0x%016llx); this "
                 "build is target '%s' (0x%016llx)\n",
                 meta["target"].c_str(), static_cast<unsigned long long>(fingerprint),
                 vimq::hw::simTargetName(),
                 static_cast<unsigned long long>(vimq::hw::simFingerprint()));
    return 1;
  }
  if (numInsns > UINT32_MAX || numBuffers > UINT32_MAX) {
    std::fprintf(stderr, "replay_tb: error: %s: too many instructions or buffers\n",
                 metaPath.c_str());
    return 1;
  }

  std::vector<uint8_t> insnBytes, tableBytes, ddr, expected;
  if (!readFile(dir + "/insns.bin", insnBytes) || !readFile(dir + "/buffers.bin", tableBytes) ||
      !readFile(dir + "/ddr_in.bin", ddr) || !readFile(dir + "/ddr_expected.bin", expected))
    return 1;
  if (!sizeIs("insns.bin", insnBytes, numInsns * vimq::isa::kInstrBytes) ||
      !sizeIs("buffers.bin", tableBytes, numBuffers * 16) || !sizeIs("ddr_in.bin", ddr, ddrBytes) ||
      !sizeIs("ddr_expected.bin", expected, ddrBytes))
    return 1;

  std::vector<vimq::isa::Instr> insns(numInsns);
  for (uint64_t i = 0; i < numInsns; ++i)
    for (unsigned w = 0; w < vimq::isa::kInstrWords; ++w)
      insns[i].w[w] = le64(&insnBytes[i * vimq::isa::kInstrBytes + 8 * w]);
  std::vector<vimq::hw::DdrBuffer> table(numBuffers);
  for (uint64_t b = 0; b < numBuffers; ++b) {
    table[b].base = le64(&tableBytes[16 * b]);
    table[b].size = le64(&tableBytes[16 * b + 8]);
    if (table[b].size > ddrBytes || table[b].base > ddrBytes - table[b].size) {
      std::fprintf(stderr, "replay_tb: error: buffers.bin: buffer %llu leaves the DDR image\n",
                   static_cast<unsigned long long>(b));
      return 1;
    }
  }

  const std::vector<uint8_t> ddrIn = ddr;
  vimq::hw::Control ctl;
  ctl.start = 1;
  ctl.insnBase = 0;
  ctl.insnCount = static_cast<uint32_t>(numInsns);
  ctl.numBuffers = static_cast<uint32_t>(numBuffers);
  vimq::hw::vimq_overlay(insns.data(), ddr.data(), table.data(), ctl);
  bool overlayOk = true;
  if (!ctl.done || ctl.error != 0) {
    std::printf("FAIL: the overlay stopped at instruction %u: %s (done=%u)\n", ctl.errorInsn,
                vimq::hw::overlayErrorName(static_cast<vimq::hw::OverlayError>(ctl.error)),
                ctl.done);
    overlayOk = false;
  } else {
    overlayOk = matches("vimq_overlay", ddr, expected, table);
  }
  uint64_t seqCycles = 0;
  const bool seqOk = runSequential(insns, table, ddrIn, expected, seqCycles);
  if (!overlayOk || !seqOk)
    return 1;
  std::printf("PASS: %llu instructions, %llu DDR bytes match for vimq_overlay (%llu cycles) and "
              "vimq_seq (%llu cycles, the modules one at a time)\n",
              static_cast<unsigned long long>(numInsns), static_cast<unsigned long long>(ddrBytes),
              static_cast<unsigned long long>(ctl.cycles),
              static_cast<unsigned long long>(seqCycles));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: replay_tb REPLAY_DIR\n");
    return 1;
  }
  return replay(argv[1]);
}
