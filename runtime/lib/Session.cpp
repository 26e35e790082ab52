//===- Session.cpp - bundle + device -> named outputs -------------------------------*- C++ -*-===//

#include "vimq/runtime/Session.h"

#include "vimq/runtime/HostConvert.h"
#include "vimq/support/Error.h"

#include <cstring>

using namespace llvm;

namespace vimq::rt {
namespace {

/// Buffers are placed 4 KiB-aligned (page and AXI-boundary friendly) in table order.
constexpr uint64_t kBufferAlign = 4096;

DdrImage layoutBuffers(const isa::Bundle &b) {
  DdrImage image;
  uint32_t maxId = 0;
  for (const isa::BufferDesc &buf : b.buffers)
    maxId = std::max(maxId, buf.id);
  image.table.resize(b.buffers.empty() ? 0 : maxId + 1);
  uint64_t next = 0;
  for (const isa::BufferDesc &buf : b.buffers) {
    image.table[buf.id] = {next, buf.size, buf.kind};
    next = (next + buf.size + kBufferAlign - 1) / kBufferAlign * kBufferAlign;
  }
  image.bytes.resize(next);
  return image;
}

} // namespace

Expected<isa::Bundle> openBundle(StringRef path) { return isa::readBundleFile(path); }

Expected<Session> Session::create(const isa::Bundle &bundle, Device &device) {
  // The fingerprint check, and on the sim the choice of the bundle's target.
  Expected<Device &> runner = device.forBundle(bundle);
  if (!runner)
    return runner.takeError();
  // Repeated here on purpose: a Bundle may have been built in memory rather than parsed, and
  // the buffer bounds below keep layoutBuffers() from allocating gigabytes.
  if (Error e = isa::validateBundle(bundle))
    return e;
  Session s(bundle, *runner);
  s.image = layoutBuffers(bundle);
  // Every run starts from the same contents, so all runs of this session share one
  // generation: a board device keeps the program and the weights resident across them.
  s.image.generation = newImageGeneration();
  for (const isa::BufferDesc &buf : bundle.buffers)
    std::copy(buf.init.begin(), buf.init.end(),
              s.image.bytes.begin() + s.image.table[buf.id].base);
  return s;
}

/// "image (f32 [1, 3, 224, 224]), input_ids (i64|i32 [2, 37], ids < 50288), ..." : what a
/// user must pass.
static std::string expectedInputs(const isa::Bundle &b) {
  std::string list;
  for (const isa::IoDesc &io : b.inputs) {
    list += (list.empty() ? "" : ", ") + io.name + " (" + hostTypeName(io) + " " +
            shapeStr(io.shape);
    if (io.host == isa::HostFormat::index)
      list += ", ids < " + std::to_string(io.limit);
    list += ")";
  }
  return list;
}

Expected<TensorMap> Session::run(const TensorMap &inputs) {
  const isa::Bundle &b = *bundleRef;
  for (const auto &entry : inputs) {
    const std::string &name = entry.first; // a plain reference: clang 14 cannot capture bindings
    if (llvm::none_of(b.inputs, [&](const isa::IoDesc &io) { return io.name == name; }))
      return makeError("'{0}' is not an input of this bundle; its inputs are {1}", name,
                       expectedInputs(b));
  }

  // The image is reused rather than copied from a pristine one (which would double the memory
  // and copy the weights on every run): STOREs only write output and scratch buffers (the
  // bundle is validated), so zeroing those and writing every input below restores exactly
  // the contents create() built.
  for (const DdrImage::Buffer &buf : image.table)
    if (buf.kind == isa::BufferKind::output || buf.kind == isa::BufferKind::scratch)
      std::fill_n(image.bytes.begin() + buf.base, buf.size, 0);

  std::map<std::string, uint64_t> saturations;
  for (const isa::IoDesc &io : b.inputs) {
    auto it = inputs.find(io.name);
    if (it == inputs.end())
      return makeError("input '{0}' is missing; the bundle's inputs are {1}", io.name,
                       expectedInputs(b));
    const Tensor &t = it->second;
    if (!acceptsHostDType(io, t.dtype()) || t.shape() != ArrayRef<int64_t>(io.shape))
      return makeError("input '{0}': expected {1} {2}, got {3} {4}", io.name, hostTypeName(io),
                       shapeStr(io.shape), dtypeName(t.dtype()), shapeStr(t.shape()));
    uint64_t saturated = 0;
    Expected<std::vector<uint8_t>> bytes = toDevice(io, t, &saturated);
    if (!bytes)
      return bytes.takeError();
    if (saturated)
      saturations[io.name] = saturated;
    std::copy(bytes->begin(), bytes->end(),
              image.bytes.begin() + image.table[io.buffer].base + io.offset);
  }

  Expected<Profile> profile = device->run(b.code, image);
  if (!profile)
    return profile.takeError();
  lastProfile = std::move(*profile);
  lastSaturations = std::move(saturations);

  TensorMap outputs;
  for (const isa::IoDesc &io : b.outputs) {
    uint64_t at = image.table[io.buffer].base + io.offset;
    outputs.emplace(io.name, fromDevice(io, ArrayRef(image.bytes).slice(at, io.numBytes())));
  }
  return outputs;
}

} // namespace vimq::rt
