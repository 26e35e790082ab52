//===- replay_tb.cpp - the HLS csim/cosim testbench: replay one recorded run -------------------===//
//
//   replay_tb REPLAY_DIR
//
// Reads a replay directory written by `vimq-run --dump-replay` (runtime/include/vimq/runtime/
// Replay.h), runs the instruction stream through the C-simulation harness entry
// vimq::hw::vimq_overlay -- which calls the module top functions, so under Vitis HLS csim/cosim
// the module being verified is the compiled C++ or its RTL -- and compares the DDR image it
// leaves with the recorded one. Prints PASS, or the first differing byte as buffer id + offset.
// Exit status: 0 pass, 1 mismatch or bad input.
//
// Plain C++14 with the standard library only: it is compiled by the HLS tools' csim compiler as
// well as by the project's (tests/hw/CMakeLists.txt, replay_tb_*).
//
//===----------------------------------------------------------------------------------------===//

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

  vimq::hw::Control ctl;
  ctl.start = 1;
  ctl.insnBase = 0;
  ctl.insnCount = static_cast<uint32_t>(numInsns);
  ctl.numBuffers = static_cast<uint32_t>(numBuffers);
  vimq::hw::vimq_overlay(insns.data(), ddr.data(), table.data(), ctl);
  if (!ctl.done || ctl.error != 0) {
    std::printf("FAIL: the overlay stopped at instruction %u: %s (done=%u)\n", ctl.errorInsn,
                vimq::hw::overlayErrorName(static_cast<vimq::hw::OverlayError>(ctl.error)),
                ctl.done);
    return 1;
  }

  for (uint64_t at = 0; at < ddrBytes; ++at) {
    if (ddr[at] == expected[at])
      continue;
    for (uint64_t b = 0; b < numBuffers; ++b)
      if (table[b].size != 0 && at >= table[b].base && at < table[b].base + table[b].size) {
        std::printf("FAIL: buffer %llu offset %llu: got 0x%02x, expected 0x%02x\n",
                    static_cast<unsigned long long>(b),
                    static_cast<unsigned long long>(at - table[b].base), ddr[at], expected[at]);
        return 1;
      }
    std::printf("FAIL: DDR byte %llu (outside every buffer): got 0x%02x, expected 0x%02x\n",
                static_cast<unsigned long long>(at), ddr[at], expected[at]);
    return 1;
  }
  std::printf("PASS: %llu instructions, %llu DDR bytes match (%llu cycles)\n",
              static_cast<unsigned long long>(numInsns), static_cast<unsigned long long>(ddrBytes),
              static_cast<unsigned long long>(ctl.cycles));
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
