//===- ResourceModel.cpp - structural FPGA resource estimate --------------------------------===//
//
// Every unit of the overlay is assembled from the primitives below (adders, registers,
// multiplexers, shifters, multipliers, ROMs, FIFOs, memories) whose costs come from one table,
// kCost. The structure (what is instantiated how many times) follows the target's params; see
// docs/resources.md for the rules and the resulting figures. A model, not a synthesis result.
//
//===----------------------------------------------------------------------------------------===//

#include "vimq/hw/ResourceModel.h"

#include "vimq/support/Error.h"

#include "llvm/Support/Format.h"

#include <algorithm>

using namespace vimq;
using namespace vimq::hw;

namespace {

//===----------------------------------------------------------------------------------------===//
// The per-primitive cost table. Both families have LUT6 + a carry chain (CARRY4 on 7-series,
// CARRY8 on UltraScale+) and two FFs per LUT, so the same per-bit rules apply to both; only the
// DSP slice and the block RAM budget differ between the parts.
//===----------------------------------------------------------------------------------------===//
struct PrimitiveCosts {
  // Adder / subtractor / comparator / add-or-subtract: one LUT6 per bit feeding the carry chain
  // (an add/sub select or an operand XOR fits in the same LUT), and its result registered.
  int64_t adderLutPerBit, adderFfPerBit;
  // N:1 multiplexer: a LUT6 is a 4:1 mux of one bit (4 data + 2 select inputs), so each LUT
  // retires 3 inputs: ceil((N-1)/3) LUTs per bit. F7/F8 muxes are ignored (conservative).
  int64_t muxInputsRetiredPerLut;
  // Barrel shifter: ceil(log2(max shift + 1)) stages of 2:1 muxes; one LUT6 does two stages
  // (a 4:1 mux) of one bit. Output registered.
  int64_t shifterStagesPerLut;
  // Multiplier in fabric (no DSP): about one LUT6 per two partial-product bits (a radix-4
  // Booth/ternary-adder array on the carry chain), product registered.
  int64_t lutMulPartialBitsPerLut;
  // Distributed ROM: one LUT6 is a 64 x 1 ROM.
  int64_t romEntriesPerLut;
  // Distributed RAM: RAM64M = 4 LUTs hold 64 words x 3 bits, one write and one read port.
  int64_t lutramDepth, lutramBitsPerQuad;
  // A memory bank under this many bits is LUTRAM: a BRAM18 for it would waste > 90%.
  int64_t lutramThresholdBits;
  // SRL32: one LUT6 is a 32-deep, 1-bit shift register (the storage of an hls::stream FIFO).
  int64_t srlDepth;
  // FIFO control beyond the storage: an occupancy counter of log2(depth)+1 bits (an adder)
  // and full/empty flags, per FIFO.
  int64_t fifoFlagLut, fifoFlagFf;
  // Block RAM: a BRAM18 stores 16 Kibit of data at widths 1..18 and 512 x 36 in simple dual
  // port mode; 18 Kibit only with the parity bits at widths 9/18/36. A BRAM36 is two of them
  // (4 KiB of data at widths up to 32).
  int64_t bram18DataBits;
  // One m_axi adapter direction (read or write) as Vitis HLS generates it: address/response
  // channel logic and the data-width converter; its burst buffer is counted as a memory of
  // axiOutstanding x axiBurstBeats words of the data width.
  int64_t maxiLut, maxiFf, axiOutstanding, axiBurstBeats;
  // s_axilite adapter (AW/W/B/AR/R handshakes, address decode) without its registers; each
  // 32-bit register then costs its read-mux input and its FFs.
  int64_t saxiliteLut, saxiliteFf;
  // Per module: the command decoder's bounds checks (comparators of 32-bit fields that raise
  // BadField/OnChipOutOfRange) and the loop counters of its address generator.
  int64_t decoderComparators, decoderCounters;
};

constexpr PrimitiveCosts kCost = {
    .adderLutPerBit = 1,
    .adderFfPerBit = 1,
    .muxInputsRetiredPerLut = 3,
    .shifterStagesPerLut = 2,
    .lutMulPartialBitsPerLut = 2,
    .romEntriesPerLut = 64,
    .lutramDepth = 64,
    .lutramBitsPerQuad = 3,
    .lutramThresholdBits = 1024,
    .srlDepth = 32,
    .fifoFlagLut = 4,
    .fifoFlagFf = 2,
    .bram18DataBits = 16 * 1024,
    .maxiLut = 900,
    .maxiFf = 1400,
    .axiOutstanding = 16,
    .axiBurstBeats = 16,
    .saxiliteLut = 150,
    .saxiliteFf = 120,
    .decoderComparators = 6,
    .decoderCounters = 4,
};

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Bits needed to represent values 0..n-1 (0 for n <= 1).
int64_t log2Ceil(int64_t n) {
  int64_t b = 0;
  while ((int64_t(1) << b) < n)
    ++b;
  return b;
}

ResourceUse lut(int64_t n) { return {n, 0, 0, 0}; }

//===- Primitives ---------------------------------------------------------------------------===//

ResourceUse adder(int64_t bits) {
  return {bits * kCost.adderLutPerBit, bits * kCost.adderFfPerBit, 0, 0};
}
ResourceUse reg(int64_t bits) { return {0, bits, 0, 0}; }
ResourceUse mux(int64_t inputs, int64_t bits) {
  if (inputs <= 1)
    return {};
  return lut(bits * ceilDiv(inputs - 1, kCost.muxInputsRetiredPerLut));
}
/// A barrel shifter of `bits` by a run-time amount in [0, maxShift].
ResourceUse shifter(int64_t bits, int64_t maxShift) {
  int64_t stages = log2Ceil(maxShift + 1);
  return {bits * ceilDiv(stages, kCost.shifterStagesPerLut), bits, 0, 0};
}
/// Round-half-even right shift by a run-time amount: the shifter, the sticky-bit OR tree
/// (6 bits per LUT) and the rounding increment.
ResourceUse rneShifter(int64_t bits) {
  ResourceUse u = shifter(bits, bits - 1);
  u += lut(ceilDiv(bits, 6));
  u += adder(bits);
  return u;
}
/// Saturate a `from`-bit value to `to` bits: the all-zeros/all-ones check of the top bits (two
/// functions of up to 3 bits per LUT) and a 2:1 select against the limit per output bit.
ResourceUse saturate(int64_t from, int64_t to) {
  return {ceilDiv(from - to + 1, 3) + to, to, 0, 0};
}
/// A signed aBits x bBits product on DSPs, or in fabric when `onDsp` is false. A product tiled
/// over several DSPs is summed by the slices' cascade for one operand's pieces; the other
/// operand's pieces need a fabric adder of the product width.
ResourceUse multiply(int64_t aBits, int64_t bBits, DspKind k, bool onDsp = true) {
  if (!onDsp)
    return {ceilDiv(aBits * bBits, kCost.lutMulPartialBitsPerLut), aBits + bBits, 0, 0};
  int64_t tiles = dspTilesForMultiply(aBits, bBits, k);
  ResourceUse u{0, 0, tiles, 0};
  if (tiles > 1)
    u += adder(aBits + bBits);
  return u;
}
ResourceUse rom(int64_t entries, int64_t width) {
  return {ceilDiv(entries, kCost.romEntriesPerLut) * width, width, 0, 0};
}
/// An hls::stream FIFO in SRLs (or the flag logic alone for depth <= 2, which is registers).
ResourceUse srlFifo(int64_t depth, int64_t width) {
  ResourceUse u = depth <= 2 ? reg(depth * width)
                             : lut(ceilDiv(depth, kCost.srlDepth) * width) + reg(width);
  u += adder(log2Ceil(depth) + 1);
  u += ResourceUse{kCost.fifoFlagLut, kCost.fifoFlagFf, 0, 0};
  return u;
}
/// A radix-2 (one quotient bit per cycle) non-restoring divider: one subtractor of the divisor
/// width, the partial remainder, the divisor, the dividend/quotient shift register and the
/// iteration counter. Shared units, so their latency is not on a per-element path.
ResourceUse divider(int64_t dividendBits, int64_t divisorBits, int64_t quotientBits) {
  ResourceUse u = adder(divisorBits + 1);
  u += reg(divisorBits);
  u += reg(std::max(dividendBits, quotientBits));
  u += mux(2, divisorBits + 1); // load vs iterate
  u += adder(log2Ceil(quotientBits) + 1);
  return u;
}
/// Digit-by-digit integer square root, one result bit per cycle.
ResourceUse isqrt(int64_t radicandBits) {
  const int64_t root = ceilDiv(radicandBits, 2);
  ResourceUse u = adder(root + 2);
  u += reg(radicandBits);
  u += reg(root);
  u += mux(2, root + 2);
  u += adder(log2Ceil(root) + 1);
  return u;
}

//===- Function units shared by several engines ----------------------------------------------===//

/// The exp PWL unit (Q12 -> Q15): x*23 (one shift-add), the 8-entry ROM of Lo/Slope (16 + 16
/// bits), Slope*d (16x13), Lo + ..., and the right shift by -u (a 16-bit barrel shift, 0..31).
ResourceUse expUnit(DspKind k) {
  ResourceUse u = adder(32);
  u += rom(8, 32);
  u += multiply(17, 14, k); // unsigned 16 x 13 as signed 17 x 14
  u += adder(16);
  u += shifter(16, 31);
  return u;
}
/// Softplus on the exp unit: the |x| fold, x + exp(-x)/8, the select.
ResourceUse softplusUnit(DspKind k) {
  ResourceUse u = expUnit(k);
  u += adder(32) * 2;
  u += mux(2, 32);
  return u;
}
/// The 128-segment PWL sigmoid: ROM of base + slope (16 + 16 bits) per segment, the slope x
/// offset interpolation (16x16 -> one DSP) and the symmetry 2^15 - s for negative inputs.
ResourceUse sigmoidUnit(DspKind k) {
  ResourceUse u = rom(128, 32);
  u += multiply(17, 17, k);
  u += adder(16) * 2;
  return u;
}
/// SiLU = x * sigmoid(x): the sigmoid unit, the 32x16 product, its RNE narrowing by 2^15.
ResourceUse siluUnit(DspKind k) {
  ResourceUse u = sigmoidUnit(k);
  u += multiply(32, 17, k);
  u += adder(48); // the fixed-shift RNE: an increment, no shifter
  return u;
}

/// Bank-select logic of an engine port with `lanes` lanes on a memory of `banks` banks of
/// `width` bits. When lane i always hits bank i (lanes == banks and the compiler aligns every
/// base address and pitch to the bank count) the wiring is fixed and costs nothing. Otherwise
/// the start bank is a run-time value: a read port needs a banks:1 mux per lane and bit, a
/// write port a lanes:1 mux per bank and bit. At most `banks` words move per cycle.
ResourceUse bankSelect(int64_t lanes, int64_t banks, int64_t width, bool write) {
  if (lanes == banks)
    return {};
  const int64_t moved = std::min(lanes, banks);
  return write ? mux(moved, width) * banks : mux(banks, width) * moved;
}

/// Per module: the 256-bit command register, the field decoder's bounds checks and the loop
/// counters of the address generator; the module's command FIFO.
ResourceUse moduleControl(int64_t cmdFifoDepth) {
  ResourceUse u = reg(256);
  u += adder(32) * kCost.decoderComparators;
  u += adder(32) * kCost.decoderCounters;
  u += srlFifo(cmdFifoDepth, 256);
  return u;
}

/// One m_axi direction with its burst buffer of `dataBits`-wide beats.
ResourceUse maxiPort(int64_t dataBits) {
  ResourceUse u{kCost.maxiLut, kCost.maxiFf, 0, 0};
  u += memoryCost(1, kCost.axiOutstanding * kCost.axiBurstBeats, dataBits);
  u += adder(64) * 2; // byte address and remaining-length counters of the 2-D DMA
  return u;
}

} // namespace

//===- Public helpers ------------------------------------------------------------------------===//

llvm::Expected<DspKind> vimq::hw::dspKindOfPart(llvm::StringRef part) {
  std::string p = part.lower();
  llvm::StringRef s(p);
  if (s.startswith("xc7"))
    return DspKind::DSP48E1; // 7-series and Zynq-7000
  for (const char *prefix : {"xczu", "xcku", "xcvu", "xcau", "xqzu", "xqku", "xqvu"})
    if (s.startswith(prefix))
      return DspKind::DSP48E2; // UltraScale and UltraScale+
  return makeError("part '{0}': unknown FPGA family (the resource model knows 7-series 'xc7*' "
                   "and UltraScale/UltraScale+ 'xczu*', 'xcku*', 'xcvu*', 'xcau*')",
                   part);
}

const char *vimq::hw::dspKindName(DspKind k) {
  return k == DspKind::DSP48E1 ? "DSP48E1" : "DSP48E2";
}

int64_t vimq::hw::dspTilesForMultiply(int64_t aBits, int64_t bBits, DspKind k) {
  // Signed port widths of the slice's multiplier.
  const int64_t portA = k == DspKind::DSP48E2 ? 27 : 25, portB = 18;
  // Pieces of an n-bit signed operand on a p-bit signed port: the top piece is signed (p bits),
  // the others unsigned (p - 1 bits).
  auto pieces = [](int64_t n, int64_t p) {
    return n <= p ? int64_t(1) : 1 + ceilDiv(n - p, p - 1);
  };
  if (aBits <= 0 || bBits <= 0)
    return 0;
  return std::min(pieces(aBits, portA) * pieces(bBits, portB),
                  pieces(bBits, portA) * pieces(aBits, portB));
}

ResourceUse vimq::hw::memoryCost(int64_t banks, int64_t depth, int64_t width) {
  if (banks <= 0 || depth <= 0 || width <= 0)
    return {};
  if (depth * width < kCost.lutramThresholdBits) {
    int64_t luts = ceilDiv(depth, kCost.lutramDepth) * ceilDiv(width, kCost.lutramBitsPerQuad) * 4;
    return lut(luts) * banks;
  }
  // The narrowest BRAM18 aspect ratio that holds `width`; a wider bank takes several 512 x 36
  // columns side by side. Data bits per BRAM18 stay 16 Ki at every ratio (2 K x 8 in 2 K x 9,
  // 512 x 32 in 512 x 36), so a bank's depth rounds up to whole BRAM18s.
  struct Aspect {
    int64_t width, dataWidth; // port width, of which data without the parity bits
  };
  static constexpr Aspect kAspects[] = {{1, 1}, {2, 2}, {4, 4}, {9, 8}, {18, 16}, {36, 32}};
  Aspect a = kAspects[5];
  for (const Aspect &c : kAspects)
    if (c.width >= width) {
      a = c;
      break;
    }
  const int64_t aspectDepth = kCost.bram18DataBits / a.dataWidth;
  const int64_t columns = ceilDiv(width, a.width);
  const int64_t perBank = columns * ceilDiv(depth, aspectDepth);
  return ResourceUse{0, 0, 0, perBank} * banks;
}

//===- The overlay ---------------------------------------------------------------------------===//

llvm::Expected<ResourceEstimate> vimq::hw::estimateResources(const Target &t) {
  auto kind = dspKindOfPart(t.part());
  if (!kind)
    return withContext(kind.takeError(), "target " + t.name());
  const DspKind k = *kind;
  ResourceEstimate e;
  e.dsp = k;
  auto add = [&](const char *unit, const ResourceUse &u) {
    e.lines.push_back({unit, u});
    e.total += u;
  };

  const int64_t rows = t.linearRows(), cols = t.linearCols(), macs = rows * cols;
  const bool linearDsp = t.param("linear_dsp") != 0;
  const int64_t convLanes = t.param("conv_lanes"), ssmLanes = t.ssmLanes(),
                vecWidth = t.vectorWidth();
  const int64_t cmdDepth = t.param("cmd_fifo_depth"), tokenDepth = t.param("token_fifo_depth");
  // The LOAD/STORE datapath: the AXI data width that carries ddr_bytes_per_cycle (a power of
  // two, at most 1024 bits).
  int64_t axiBytes = 1;
  while (axiBytes < t.ddrBytesPerCycle() && axiBytes < 128)
    axiBytes *= 2;

  // Memory banking (see the header of this file): act by LINEAR row, wgt by LINEAR column,
  // vec by VECTOR lane, state by SSM lane.
  struct Mem {
    const char *line;
    int64_t banks, words, width;
  };
  const Mem act{"mem act", rows, t.param("act_buf_bytes"), 8};
  const Mem wgt{"mem wgt", cols, t.param("wgt_buf_bytes"), 8};
  const Mem vec{"mem vec", vecWidth, t.param("vec_buf_words"), 32};
  const Mem state{"mem state", ssmLanes, t.param("state_buf_words"), 32};

  // FETCH: the instruction m_axi master (one 256-bit instruction per beat), the opcode
  // router, the s_axilite register file (13 control words + 7 modules x 7 profile counters of
  // 64 bits, read through one mux), the cycle and profile counters.
  {
    ResourceUse u = maxiPort(256);
    u += reg(256) + mux(7, 256); // instruction register, route to one of the command queues
    const int64_t words = 13 + 7 * 7 * 2;
    u += ResourceUse{kCost.saxiliteLut, kCost.saxiliteFf, 0, 0};
    u += reg(32 * 13);
    u += mux(words, 32);
    u += adder(64) * (1 + 7 * 7); // cycle counter, profile counters
    add("fetch", u);
  }
  // LOAD: command path, DDR read master, 2-D address generator (in maxiPort), padding select,
  // and a write port into every memory with axiBytes/element lanes. The gather (embedding
  // lookup): a one-word read port from vec for the row index, its register and the check
  // against `limit`, and the row address idx (31 bits, non-negative) x ddr_stride on DSPs.
  {
    ResourceUse u = moduleControl(cmdDepth) + maxiPort(axiBytes * 8);
    u += mux(2, axiBytes * 8); // zero padding
    for (const Mem &m : {act, wgt, vec, state})
      u += bankSelect(axiBytes * 8 / m.width, m.banks, m.width, /*write=*/true);
    u += bankSelect(1, vec.banks, vec.width, /*write=*/false) + reg(32) + adder(32);
    u += multiply(31, 32, k) + adder(64); // + ddr_off
    add("load", u);
  }
  // LINEAR.
  {
    // One MAC: the APoT-4 product = two copies of the int8 shifted by {4,5,6,7} (a 4:1 mux of
    // 12 bits each, selected by the code) and their 16-bit sum; the conditional negate and the
    // APoT/int8 operand select are folded into the int32 block accumulator's add/sub LUTs (an
    // accumulator bit uses 5 of the LUT6's inputs: acc, APoT bit, int8 bit, select, subtract).
    ResourceUse mac = mux(4, 12) * 2 + adder(16) + adder(32);
    ResourceUse array = mac * macs;
    if (!linearDsp) {
      array += multiply(8, 8, k, /*onDsp=*/false) * macs;
    } else if (k == DspKind::DSP48E2) {
      // Two products sharing the activation (columns j, j+1 of one row) in one 27x18 slice:
      // w[j] << 18 + w[j+1] on the pre-adder, a[i] on B; the low product's sign borrow is
      // corrected by a small fabric adder.
      const int64_t pairs = rows * ceilDiv(cols, 2);
      array += ResourceUse{0, 0, pairs, 0};
      array += adder(9) * pairs;
    } else {
      // DSP48E1 (25x18): the packing above would need a 27-bit port; one MAC per slice.
      array += ResourceUse{0, 0, macs, 0};
    }
    // Epilogue per column lane: the lane drains the column's rows (rows:1 select), block sum x
    // uint16 mantissa (32x16), 48-bit accumulation over blocks, x int32 per-token absmax
    // (48x32 -> 80 bits), RNE shift of 80 bits, bias add, int32 saturation, activation (SiLU or
    // softplus or none).
    ResourceUse lane = mux(rows, 32);
    lane += multiply(32, 17, k);
    lane += adder(48);
    lane += multiply(48, 32, k);
    lane += rneShifter(80);
    lane += adder(48);
    lane += saturate(48, 32);
    lane += siluUnit(k) + softplusUnit(k) + mux(3, 32);
    ResourceUse u = moduleControl(cmdDepth) + array + lane * cols;
    u += bankSelect(rows, act.banks, 8, false) + bankSelect(cols, wgt.banks, 8, false);
    u += bankSelect(cols, vec.banks, 32, false) + bankSelect(cols, vec.banks, 32, true);
    add("linear", u);
  }
  // CONV: per lane four taps (APoT-5: two shifted copies of the int32 by a level each and their
  // sum; or int8 x int32 on a DSP), the 40-bit accumulation of the taps (the negate and the
  // format select folded into the tree's add/sub LUTs as in LINEAR), x uint16 scale, RNE shift, bias, saturation, SiLU; a 3-row history register file.
  {
    ResourceUse tap = mux(4, 39) * 2 + adder(40) + multiply(9, 32, k);
    ResourceUse lane = tap * 4;
    lane += adder(40) * 3;
    lane += multiply(40, 17, k);
    lane += rneShifter(57);
    lane += adder(48);
    lane += saturate(48, 32);
    lane += siluUnit(k);
    lane += reg(3 * 32);
    ResourceUse u = moduleControl(cmdDepth) + lane * convLanes;
    u += bankSelect(convLanes, vec.banks, 32, false) + bankSelect(convLanes, vec.banks, 32, true);
    u += bankSelect(convLanes, wgt.banks, 8, false);
    add("conv", u);
  }
  // SSM: per lane dA = delta*A (32x32), exp, decay*h (16x32), xdt*B (32x32), h*C (32x32),
  // their RNE narrowings and the state update add; an adder tree over the lanes for y; per
  // channel, shared by the engine: delta*u, D*u, the SiLU gate (SiLU unit + y * silu(z)).
  {
    ResourceUse lane = multiply(32, 32, k) + expUnit(k) + multiply(17, 32, k) +
                       multiply(32, 32, k) + multiply(32, 32, k);
    lane += rneShifter(64) * 3;
    lane += adder(48) + saturate(48, 32);
    ResourceUse u = moduleControl(cmdDepth) + lane * ssmLanes;
    u += adder(64 + log2Ceil(ssmLanes)) * (ssmLanes - 1);
    u += multiply(32, 32, k) * 2 + siluUnit(k) + multiply(32, 32, k);
    u += rneShifter(64) * 3 + adder(48) * 2 + saturate(48, 32);
    u += bankSelect(ssmLanes, vec.banks, 32, false) + bankSelect(1, vec.banks, 32, true);
    u += bankSelect(ssmLanes, state.banks, 32, false) +
         bankSelect(ssmLanes, state.banks, 32, true);
    add("ssm", u);
  }
  // VECTOR: per lane a 32x32 multiply with its RNE shift and saturation (add/mul/scale/muli),
  // an adder, the exp and sigmoid PWL units, the quantizer (x * the row's 38-bit reciprocal,
  // RNE, saturation to int8), one FWHT add/sub (half a butterfly), the result select. Shared:
  // the reciprocal divider, the RMSNorm rsqrt (112-by-80 divider + 56-bit isqrt), the row
  // reductions (sum of squares into 80 bits via the lanes' multipliers, absmax).
  {
    ResourceUse lane = multiply(32, 32, k) + rneShifter(64) + saturate(64, 32) + adder(33);
    lane += expUnit(k) + sigmoidUnit(k);
    lane += multiply(32, 39, k) + rneShifter(71) + saturate(71, 8);
    lane += adder(33);
    lane += mux(6, 32);
    ResourceUse u = moduleControl(cmdDepth) + lane * vecWidth;
    u += divider(39, 32, 38);
    u += divider(112, 80, 33) + isqrt(56);
    u += adder(64 + log2Ceil(vecWidth)) * (vecWidth - 1) + adder(80);
    u += (adder(32) + adder(32) + mux(2, 32)) * vecWidth; // |x|, compare-and-select tree
    u += bankSelect(vecWidth, vec.banks, 32, false) + bankSelect(vecWidth, vec.banks, 32, true);
    u += bankSelect(vecWidth, act.banks, 8, false) + bankSelect(vecWidth, act.banks, 8, true);
    add("vector", u);
  }
  // STORE: command path, DDR write master, a read port from every memory.
  {
    ResourceUse u = moduleControl(cmdDepth) + maxiPort(axiBytes * 8);
    for (const Mem &m : {act, wgt, vec, state})
      u += bankSelect(axiBytes * 8 / m.width, m.banks, m.width, /*write=*/false);
    add("store", u);
  }
  // Token FIFOs: one per ordered pair of the six non-FETCH modules, 8-bit tokens.
  add("token fifos", srlFifo(tokenDepth, 8) * (6 * 5));
  // The on-chip memories.
  for (const Mem &m : {act, wgt, vec, state})
    add(m.line, memoryCost(m.banks, ceilDiv(m.words, m.banks), m.width));
  return e;
}

llvm::SmallVector<OverBudget, 4> vimq::hw::overBudget(const ResourceEstimate &e,
                                                      const ResourceBudget &b) {
  llvm::SmallVector<OverBudget, 4> over;
  const OverBudget rows[] = {{"LUT", e.total.lut, b.lut},
                             {"FF", e.total.ff, b.ff},
                             {"DSP", e.total.dsp, b.dsp},
                             {"BRAM36", e.total.bram36(), b.bram36}};
  for (const OverBudget &r : rows)
    if (r.estimate > r.budget)
      over.push_back(r);
  return over;
}

static std::string withCommas(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

static std::string percent(int64_t used, int64_t budget) {
  if (budget <= 0)
    return used ? "inf%" : "0%";
  return std::to_string((used * 100 + budget / 2) / budget) + "%";
}

llvm::Error vimq::hw::checkFitsBudget(const Target &t) {
  auto e = estimateResources(t);
  if (!e)
    return e.takeError();
  auto over = overBudget(*e, t.budget());
  if (over.empty())
    return llvm::Error::success();
  return makeError("target {0} does not fit its board: {1}", t.name(), describeOverBudget(over));
}

std::string vimq::hw::describeOverBudget(llvm::ArrayRef<OverBudget> over) {
  std::string text;
  for (const OverBudget &o : over)
    text += (text.empty() ? "" : ", ") + withCommas(o.estimate) + " " + o.resource +
            " estimated > " + withCommas(o.budget) + " budget";
  return text;
}

std::string vimq::hw::formatEstimateSummary(const ResourceUse &u, const ResourceBudget &b) {
  return withCommas(u.lut) + " LUT (" + percent(u.lut, b.lut) + "), " + withCommas(u.ff) +
         " FF (" + percent(u.ff, b.ff) + "), " + withCommas(u.dsp) + " DSP (" +
         percent(u.dsp, b.dsp) + "), " + withCommas(u.bram36()) + " BRAM36 (" +
         percent(u.bram36(), b.bram36) + ")";
}

void vimq::hw::printResourceTable(const Target &t, const ResourceEstimate &e,
                                  llvm::raw_ostream &os) {
  os << "target " << t.name() << " (" << t.part() << ", " << dspKindName(e.dsp)
     << "): modeled resources, not a synthesis result\n";
  auto bram = [](int64_t bram18) {
    return withCommas(bram18 / 2) + (bram18 % 2 ? ".5" : ".0");
  };
  auto row = [&](llvm::StringRef unit, const std::string &l, const std::string &f,
                 const std::string &d, const std::string &b) {
    os << llvm::left_justify(unit, 12) << llvm::right_justify(l, 10) << llvm::right_justify(f, 10)
       << llvm::right_justify(d, 8) << llvm::right_justify(b, 10) << "\n";
  };
  row("unit", "LUT", "FF", "DSP", "BRAM36");
  for (const ResourceLine &l : e.lines)
    row(l.unit, withCommas(l.use.lut), withCommas(l.use.ff), withCommas(l.use.dsp),
        bram(l.use.bram18));
  const ResourceBudget &b = t.budget();
  row("total", withCommas(e.total.lut), withCommas(e.total.ff), withCommas(e.total.dsp),
      withCommas(e.total.bram36()));
  row("budget", withCommas(b.lut), withCommas(b.ff), withCommas(b.dsp), withCommas(b.bram36));
  row("use", percent(e.total.lut, b.lut), percent(e.total.ff, b.ff), percent(e.total.dsp, b.dsp),
      percent(e.total.bram36(), b.bram36));
}
