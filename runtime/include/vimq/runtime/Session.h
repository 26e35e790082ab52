//===- Session.h - run a bundle with named inputs, get named outputs -------------*- C++ -*-===//
//
//   auto bundle = rt::openBundle("m.vimq");           // parsed and validated
//   auto device = rt::Device::open("sim");
//   auto session = rt::Session::create(*bundle, **device);   // fingerprint + DMA checks
//   auto outputs = session->run({{"x", xTensor}});    // std::map<name, Tensor>
//   session->profile();
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/isa/Bundle.h"
#include "vimq/runtime/Device.h"
#include "vimq/runtime/HostConvert.h"
#include "vimq/support/Tensor.h"

#include <map>

namespace vimq::rt {

using TensorMap = std::map<std::string, Tensor>;

/// Reads and fully validates a bundle (docs/bundle.md).
llvm::Expected<isa::Bundle> openBundle(llvm::StringRef path);


class Session {
public:
  /// Runs on `device.forBundle(bundle)`: fails when the device cannot run the bundle's
  /// fingerprint (the sim runs every built-in target's), or when any DMA range of the program
  /// leaves its buffer (checked again here, whoever built the Bundle). `device` must outlive
  /// the session.
  static llvm::Expected<Session> create(const isa::Bundle &bundle, Device &device);

  /// Every bundle input must be given, with its host type and shape; unknown names are errors.
  /// Nothing is run unless all inputs are valid.
  llvm::Expected<TensorMap> run(const TensorMap &inputs);

  const Profile &profile() const { return lastProfile; }
  /// Per input of the last run: how many values saturated its fixed-point format on
  /// conversion (outside the range the model was calibrated for, with its 2 bits of headroom
  /// used up). Only inputs with saturations are listed.
  const std::map<std::string, uint64_t> &inputSaturations() const { return lastSaturations; }
  const isa::Bundle &bundle() const { return *bundleRef; }

private:
  Session(const isa::Bundle &b, Device &d) : bundleRef(&b), device(&d) {}

  const isa::Bundle *bundleRef;
  Device *device;
  /// Table and bytes of every buffer: weights as initialized by create(); each run zeroes the
  /// output and scratch buffers and writes the inputs into it (see run()).
  DdrImage image;
  Profile lastProfile;
  std::map<std::string, uint64_t> lastSaturations;
};

} // namespace vimq::rt
