//===- Isa.cpp - ISA tables, verifier and DDR ranges ------------------------------*- C++ -*-===//

#include "vimq/isa/Isa.h"

#include "vimq/support/Error.h"

#include "llvm/ADT/STLExtras.h"

using namespace llvm;

namespace vimq::isa {
namespace {

/// Which table section a field belongs to: COMMON or one opcode.
enum class OpTag : uint8_t {
  COMMON,
#define VIMQ_OPCODE(Name, Value, Mod, Doc) Name,
#include "vimq/isa/Isa.def"
};

struct RawField {
  OpTag tag;
  unsigned offset, width;
};

constexpr RawField kRawFields[] = {
#define VIMQ_FIELD(Op, Name, Offset, Width, Kind, Enum, Doc) {OpTag::Op, Offset, Width},
#include "vimq/isa/Isa.def"
};

/// The table's own consistency, checked at compile time: widths in 1..64, every field inside
/// the instruction, an opcode's fields contiguous in the table, in ascending bit order, and
/// disjoint from each other and from the common fields.
constexpr bool layoutIsValid() {
  constexpr size_t n = sizeof(kRawFields) / sizeof(kRawFields[0]);
  for (size_t i = 0; i < n; ++i) {
    const RawField &f = kRawFields[i];
    if (f.width < 1 || f.width > 64 || f.offset + f.width > kInstrBits)
      return false;
    if (i > 0 && kRawFields[i - 1].tag == f.tag &&
        kRawFields[i - 1].offset + kRawFields[i - 1].width > f.offset)
      return false;
    for (size_t j = 0; j < i; ++j) {
      const RawField &g = kRawFields[j];
      if (g.tag == f.tag && j + 1 < i && kRawFields[j + 1].tag != f.tag)
        return false; // the same opcode's fields appear in two runs
      bool overlaps = f.offset < g.offset + g.width && g.offset < f.offset + f.width;
      if (g.tag == OpTag::COMMON && f.tag != OpTag::COMMON && overlaps)
        return false;
    }
  }
  return true;
}
static_assert(layoutIsValid(), "Isa.def: overlapping, unordered or out-of-range fields");

const FieldInfo kFields[] = {
#define VIMQ_FIELD(Op, Name, Offset, Width, Kind, Enum, Doc)                                     \
  {#Name, {Offset, Width}, FieldKind::Kind, EnumKind::Enum, Doc},
#include "vimq/isa/Isa.def"
};

struct EnumValueInfo {
  EnumKind kind;
  StringLiteral name;
  uint64_t value;
};
const EnumValueInfo kEnumValues[] = {
#define VIMQ_ENUM_VALUE(Enum, Name, Value) {EnumKind::Enum, #Name, Value},
#include "vimq/isa/Isa.def"
};

const StringLiteral kEnumNames[] = {
    "none",
#define VIMQ_ENUM(Enum, Doc) #Enum,
#include "vimq/isa/Isa.def"
};

struct ModuleInfo {
  StringLiteral name;
  Module module;
};
const ModuleInfo kModules[] = {
#define VIMQ_MODULE(Name, Value) {#Name, Module::Name},
#include "vimq/isa/Isa.def"
};

ArrayRef<FieldInfo> fieldsOf(OpTag tag) {
  size_t begin = 0, end = 0;
  for (size_t i = 0; i < std::size(kRawFields); ++i) {
    if (kRawFields[i].tag != tag)
      continue;
    if (end == 0)
      begin = i;
    end = i + 1;
  }
  return ArrayRef<FieldInfo>(kFields).slice(begin, end - begin);
}

std::vector<OpcodeInfo> buildOpcodes() {
  std::vector<OpcodeInfo> ops;
#define VIMQ_OPCODE(Name, Value, Mod, Doc)                                                       \
  ops.push_back({#Name, Opcode::Name, Module::Mod, Doc, fieldsOf(OpTag::Name)});
#include "vimq/isa/Isa.def"
  return ops;
}

const std::vector<OpcodeInfo> &opcodeTable() {
  static const std::vector<OpcodeInfo> table = buildOpcodes();
  return table;
}

/// Bits of `op`'s instructions that belong to no field.
Instr reservedMask(const OpcodeInfo &info) {
  Instr used;
  for (const FieldInfo &f : commonFields())
    setBits(used, f.pos, ~uint64_t(0));
  for (const FieldInfo &f : info.fields)
    setBits(used, f.pos, ~uint64_t(0));
  Instr reserved;
  for (unsigned i = 0; i < kInstrWords; ++i)
    reserved.w[i] = ~used.w[i];
  return reserved;
}

} // namespace

int64_t FieldInfo::minValue() const {
  return kind == FieldKind::S ? -(int64_t(1) << (pos.width - 1)) : 0;
}
int64_t FieldInfo::maxValue() const {
  if (kind == FieldKind::S)
    return (int64_t(1) << (pos.width - 1)) - 1;
  return pos.width >= 63 ? INT64_MAX : (int64_t(1) << pos.width) - 1;
}

const FieldInfo *OpcodeInfo::findField(StringRef fieldName) const {
  for (const FieldInfo &f : fields)
    if (f.name == fieldName)
      return &f;
  return nullptr;
}

ArrayRef<OpcodeInfo> allOpcodes() { return opcodeTable(); }
ArrayRef<FieldInfo> commonFields() { return fieldsOf(OpTag::COMMON); }

const OpcodeInfo *lookupOpcode(Opcode op) {
  for (const OpcodeInfo &info : opcodeTable())
    if (info.opcode == op)
      return &info;
  return nullptr;
}
const OpcodeInfo *lookupOpcode(StringRef name) {
  for (const OpcodeInfo &info : opcodeTable())
    if (info.name.equals_insensitive(name))
      return &info;
  return nullptr;
}

StringRef moduleName(Module m) {
  for (const ModuleInfo &mi : kModules)
    if (mi.module == m)
      return mi.name;
  return "";
}
std::optional<Module> moduleFromName(StringRef name) {
  for (const ModuleInfo &mi : kModules)
    if (mi.name == name)
      return mi.module;
  return std::nullopt;
}

StringRef enumValueName(EnumKind e, uint64_t v) {
  for (const EnumValueInfo &ev : kEnumValues)
    if (ev.kind == e && ev.value == v)
      return ev.name;
  return "";
}
std::optional<uint64_t> enumValueFromName(EnumKind e, StringRef name) {
  for (const EnumValueInfo &ev : kEnumValues)
    if (ev.kind == e && ev.name == name)
      return ev.value;
  return std::nullopt;
}
StringRef enumName(EnumKind e) { return kEnumNames[static_cast<size_t>(e)]; }

int64_t getField(const Instr &in, const FieldInfo &f) {
  return f.kind == FieldKind::S ? getSigned(in, f.pos) : static_cast<int64_t>(getBits(in, f.pos));
}

Instr makeInstr(Opcode op) {
  Instr in;
  setBits(in, fld::COMMON_opcode, static_cast<uint64_t>(op));
  return in;
}

Error setField(Instr &in, StringRef fieldName, int64_t value) {
  const OpcodeInfo *info = lookupOpcode(opcodeOf(in));
  if (!info)
    return makeError("unknown opcode {0}", getBits(in, fld::COMMON_opcode));
  const FieldInfo *f = info->findField(fieldName);
  for (const FieldInfo &c : commonFields())
    if (c.name == fieldName)
      f = &c;
  if (!f)
    return makeError("{0} has no field '{1}'", info->name, fieldName);
  if (value < f->minValue() || value > f->maxValue())
    return makeError("{0}.{1} = {2} is outside [{3}, {4}]", info->name, f->name, value,
                     f->minValue(), f->maxValue());
  setBits(in, f->pos, static_cast<uint64_t>(value));
  return Error::success();
}

//===-- verification ---------------------------------------------------------------------------===//

namespace {

/// Legal (on-chip buffer, DDR type) pairs of LOAD and STORE; docs/isa.md has the conversions.
bool dmaPairIsLegal(Opcode op, Buf buf, DType t) {
  switch (buf) {
  case Buf::act:
    return t == DType::i8;
  case Buf::wgt:
    return op == Opcode::LOAD && (t == DType::u8 || t == DType::i8);
  case Buf::vec:
  case Buf::state:
    return t == DType::i8 || t == DType::u8 || t == DType::i16 || t == DType::i32;
  }
  return false;
}

/// Per-opcode invariants of docs/isa.md; verify() prefixes the messages with the instruction.
class Checker {
public:
  explicit Checker(const Instr &in) : in(in) {}

  uint64_t u(Field f) const { return getBits(in, f); }

  Error positive(StringRef name, Field f) const {
    if (u(f) == 0)
      return makeError("{0} must be > 0", name);
    return Error::success();
  }
  /// A row pitch must not make rows overlap when more than one row is accessed.
  Error pitchCovers(StringRef name, uint64_t pitch, uint64_t rows, uint64_t cols) const {
    if (rows > 1 && pitch < cols)
      return makeError("{0} = {1} is smaller than the row length {2}", name, pitch, cols);
    return Error::success();
  }

  Error check() const;

private:
  Error checkDma(Opcode op) const;
  Error checkLinear() const;
  Error checkConv() const;
  Error checkSsm() const;
  Error checkVector() const;
  const Instr &in;
};

Error Checker::checkDma(Opcode op) const {
  bool isLoad = op == Opcode::LOAD;
  Field bufF = isLoad ? fld::LOAD_buf : fld::STORE_buf;
  Field dtF = isLoad ? fld::LOAD_dtype : fld::STORE_dtype;
  auto buf = static_cast<Buf>(u(bufF));
  auto dt = static_cast<DType>(u(dtF));
  if (!dmaPairIsLegal(op, buf, dt))
    return makeError("buf={0} cannot be {1} with dtype={2}", enumValueName(EnumKind::Buf, u(bufF)),
                     isLoad ? "loaded" : "stored", enumValueName(EnumKind::DType, u(dtF)));
  Field rowsF = isLoad ? fld::LOAD_rows : fld::STORE_rows;
  Field colsF = isLoad ? fld::LOAD_cols : fld::STORE_cols;
  if (Error e = positive("rows", rowsF))
    return e;
  if (Error e = positive("cols", colsF))
    return e;
  uint64_t padRows = isLoad ? u(fld::LOAD_pad_rows) : 0;
  uint64_t padCols = isLoad ? u(fld::LOAD_pad_cols) : 0;
  uint64_t pitch = u(isLoad ? fld::LOAD_pitch : fld::STORE_pitch);
  if (Error e = pitchCovers("pitch", pitch, u(rowsF) + padRows, u(colsF) + padCols))
    return e;
  if (!isLoad)
    return Error::success();
  // Gather operands mean nothing without gather; zero keeps the encoding unambiguous.
  if (!u(fld::LOAD_gather)) {
    if (u(fld::LOAD_idx_addr) || u(fld::LOAD_limit))
      return makeError("idx_addr = {0} and limit = {1} are gather operands: they must be 0 "
                       "without gather",
                       u(fld::LOAD_idx_addr), u(fld::LOAD_limit));
    return Error::success();
  }
  if (Error e = positive("limit (the table's rows)", fld::LOAD_limit))
    return e;
  if (gatherIndicesOverlapDestination(in))
    return makeError("the row indices vec[{0}, {1}) overlap the rows the gather writes",
                     u(fld::LOAD_idx_addr), u(fld::LOAD_idx_addr) + u(rowsF));
  return Error::success();
}

Error Checker::checkLinear() const {
  auto wfmt = static_cast<WFmt>(u(fld::LINEAR_wfmt));
  if (wfmt != WFmt::apot4 && wfmt != WFmt::int8)
    return makeError("wfmt={0} is not a linear weight format",
                     enumValueName(EnumKind::WFmt, u(fld::LINEAR_wfmt)));
  for (auto [name, f] : {std::pair{"m", fld::LINEAR_m}, {"k", fld::LINEAR_k}, {"n", fld::LINEAR_n}})
    if (Error e = positive(name, f))
      return e;
  if (u(fld::LINEAR_block) > u(fld::LINEAR_k))
    return makeError("block = {0} exceeds k = {1}", u(fld::LINEAR_block), u(fld::LINEAR_k));
  // Banking (docs/isa.md): the rows a LINEAR tile reads in parallel must fall in distinct banks.
  if (u(fld::LINEAR_m) > 1 && !bankPitchOk(u(fld::LINEAR_a_pitch)))
    return makeError("a_pitch = {0} is not coprime to 6 (banking rule: the activation rows of a "
                     "tile must fall in distinct banks)",
                     u(fld::LINEAR_a_pitch));
  if (Error e = pitchCovers("a_pitch", u(fld::LINEAR_a_pitch), u(fld::LINEAR_m), u(fld::LINEAR_k)))
    return e;
  return pitchCovers("o_pitch", u(fld::LINEAR_o_pitch), u(fld::LINEAR_m), u(fld::LINEAR_n));
}

Error Checker::checkConv() const {
  auto wfmt = static_cast<WFmt>(u(fld::CONV1D_wfmt));
  if (wfmt != WFmt::apot5 && wfmt != WFmt::int8)
    return makeError("wfmt={0} is not a conv weight format",
                     enumValueName(EnumKind::WFmt, u(fld::CONV1D_wfmt)));
  uint64_t k = u(fld::CONV1D_ksize);
  if (k < 1 || k > 4)
    return makeError("ksize = {0} is outside [1, 4]", k);
  if (Error e = positive("len", fld::CONV1D_len))
    return e;
  if (Error e = positive("ch", fld::CONV1D_ch))
    return e;
  uint64_t len = u(fld::CONV1D_len), ch = u(fld::CONV1D_ch);
  if (Error e = pitchCovers("x_pitch", u(fld::CONV1D_x_pitch), len, ch))
    return e;
  return pitchCovers("y_pitch", u(fld::CONV1D_y_pitch), len, ch);
}

Error Checker::checkSsm() const {
  for (auto [name, f] : {std::pair{"len", fld::SSM_len}, {"ch", fld::SSM_ch}, {"n", fld::SSM_n},
                         {"heads", fld::SSM_heads}, {"groups", fld::SSM_groups}})
    if (Error e = positive(name, f))
      return e;
  uint64_t len = u(fld::SSM_len), ch = u(fld::SSM_ch), n = u(fld::SSM_n);
  uint64_t heads = u(fld::SSM_heads), groups = u(fld::SSM_groups);
  bool ssd = static_cast<SsmMode>(u(fld::SSM_mode)) == SsmMode::ssd;
  if (!ssd && (heads != 1 || groups != 1))
    return makeError("selective mode needs heads = 1 and groups = 1 (got {0}, {1})", heads,
                     groups);
  if (ssd && (ch % heads != 0 || heads % groups != 0))
    return makeError("ssd mode needs heads | ch and groups | heads (ch {0}, heads {1}, groups {2})",
                     ch, heads, groups);
  if (groups * n > kSsmMaxGroupState)
    return makeError("groups * n = {0} exceeds {1} (the SSM engine stages one token's B and C)",
                     groups * n, kSsmMaxGroupState);
  if (Error e = pitchCovers("x_pitch", u(fld::SSM_x_pitch), len, ch))
    return e;
  uint64_t dtCols = ssd ? heads : ch;
  uint64_t bcCols = 2 * groups * n;
  return pitchCovers("t_pitch", u(fld::SSM_t_pitch), len, std::max(dtCols, bcCols));
}

Error Checker::checkVector() const {
  uint64_t opv = u(fld::VECTOR_op);
  auto op = static_cast<VOp>(opv);
  if (Error e = positive("rows", fld::VECTOR_rows))
    return e;
  if (Error e = positive("cols", fld::VECTOR_cols))
    return e;
  uint64_t rows = u(fld::VECTOR_rows), cols = u(fld::VECTOR_cols);
  if (op == VOp::fwht) {
    uint64_t g = u(fld::VECTOR_log2g);
    if (g == 0 || cols % (uint64_t(1) << g) != 0)
      return makeError("fwht group 2^{0} must be > 1 and divide cols = {1}", g, cols);
  }
  if (op == VOp::rmsnorm || op == VOp::grmsnorm) {
    if (u(fld::VECTOR_frac) > kMaxNormFrac)
      return makeError("frac = {0} exceeds {1}, the widest the norm factor datapath takes",
                       u(fld::VECTOR_frac), kMaxNormFrac);
    // eps is an fp32 bit pattern: it must be finite and >= 0 (-0.0 is 0).
    uint32_t eps = uint32_t(u(fld::VECTOR_imm)), mag = eps & 0x7fffffffu;
    if ((mag >> 23) == 0xff || ((eps >> 31) && mag))
      return makeError("imm = {0:x} is not a finite fp32 eps >= 0", eps);
  }
  if (Error e = pitchCovers("a_pitch", u(fld::VECTOR_a_pitch), rows, cols))
    return e;
  bool usesB = op == VOp::add || op == VOp::mul || op == VOp::grmsnorm;
  if (usesB)
    if (Error e = pitchCovers("b_pitch", u(fld::VECTOR_b_pitch), rows, cols))
      return e;
  return pitchCovers("o_pitch", u(fld::VECTOR_o_pitch), rows, cols);
}

Error Checker::check() const {
  switch (opcodeOf(in)) {
  case Opcode::LOAD:
  case Opcode::STORE:
    return checkDma(opcodeOf(in));
  case Opcode::LINEAR:
    return checkLinear();
  case Opcode::CONV1D:
    return checkConv();
  case Opcode::SSM:
    return checkSsm();
  case Opcode::VECTOR:
    return checkVector();
  case Opcode::FINISH:
    return Error::success();
  }
  return Error::success();
}

} // namespace

Error verify(const Instr &in, size_t index) {
  uint64_t opv = getBits(in, fld::COMMON_opcode);
  const OpcodeInfo *info = isKnownOpcode(opv) ? lookupOpcode(static_cast<Opcode>(opv)) : nullptr;
  if (!info)
    return makeError("instruction {0}: unknown opcode {1}", index, opv);
  auto fail = [&](Error e) {
    return withContext(std::move(e), formatv("instruction {0} ({1})", index, info->name).str());
  };

  Instr reserved = reservedMask(*info);
  for (unsigned i = 0; i < kInstrWords; ++i)
    if (uint64_t bad = in.w[i] & reserved.w[i])
      return fail(makeError("reserved bit {0} is set", i * 64 + countTrailingZeros(bad)));

  for (const FieldInfo &f : info->fields)
    if (f.kind == FieldKind::E && enumValueName(f.enumKind, getBits(in, f.pos)).empty())
      return fail(makeError("{0} = {1} is not a {2} value", f.name, getBits(in, f.pos),
                            enumName(f.enumKind)));

  // FINISH travels in LOAD's queue, so it cannot name load either.
  uint8_t self = moduleBit(info->module);
  for (const FieldInfo &f : commonFields()) {
    if (f.kind != FieldKind::M)
      continue;
    uint64_t mask = getBits(in, f.pos);
    if (mask >> kNumModules)
      return fail(makeError("{0} mask {1:x} names no module", f.name, mask));
    if (mask & self)
      return fail(makeError("{0} names the executing module {1}", f.name,
                            moduleName(info->module)));
  }
  if (Error e = Checker(in).check())
    return fail(std::move(e));
  return Error::success();
}

std::optional<DdrRange> ddrRange(const Instr &in) {
  Opcode op = opcodeOf(in);
  if (op != Opcode::LOAD && op != Opcode::STORE)
    return std::nullopt;
  bool isLoad = op == Opcode::LOAD;
  // A gathering LOAD may read any row of its table: the range covers all `limit` rows.
  uint64_t rows = dmaDdrRows(in);
  uint64_t cols = getBits(in, isLoad ? fld::LOAD_cols : fld::STORE_cols);
  if (rows == 0 || cols == 0)
    return std::nullopt;
  auto dt = static_cast<DType>(getBits(in, isLoad ? fld::LOAD_dtype : fld::STORE_dtype));
  uint64_t off = getBits(in, isLoad ? fld::LOAD_ddr_off : fld::STORE_ddr_off);
  uint64_t stride = getBits(in, isLoad ? fld::LOAD_ddr_stride : fld::STORE_ddr_stride);
  uint64_t rowBytes = cols * dtypeBytes(dt);
  // Fields are at most 32 bits wide, so none of these products overflows 64 bits. With a
  // stride below the row length rows overlap; the range still covers every byte touched.
  uint64_t end = std::max(off + (rows - 1) * stride + rowBytes, off + rowBytes);
  auto buffer = static_cast<uint32_t>(getBits(in, isLoad ? fld::LOAD_ddr_buf : fld::STORE_ddr_buf));
  return DdrRange{buffer, off, end, !isLoad};
}

} // namespace vimq::isa
