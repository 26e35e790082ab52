//===- XrtApi.h - the XRT calls the xrt device makes, behind an interface ---------*- C++ -*-===//
//
// XrtDevice.cpp talks to XRT only through these classes, so that tests can substitute a fake
// that records the calls and emulates the kernel (tests/runtime/XrtDeviceTest.cpp). The real
// implementation (XrtApiReal.cpp, built when libxrt-dev is found) is a thin wrapper over
// xrt::device / xrt::kernel / xrt::bo / xrt::run that turns XRT's exceptions into llvm::Error.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "vimq/runtime/Device.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace vimq::rt::xrtapi {

/// A buffer object: a host copy and a device copy, kept apart until sync().
class Bo {
public:
  virtual ~Bo();
  virtual llvm::Error write(const void *src, size_t size, size_t offset) = 0;
  virtual llvm::Error read(void *dst, size_t size, size_t offset) = 0;
  virtual llvm::Error syncToDevice(size_t size, size_t offset) = 0;
  virtual llvm::Error syncFromDevice(size_t size, size_t offset) = 0;
};

/// One execution of the kernel: arguments by index, start, wait.
class Run {
public:
  virtual ~Run();
  virtual llvm::Error setArg(unsigned index, Bo &bo) = 0;
  virtual llvm::Error setArg(unsigned index, uint32_t value) = 0;
  virtual llvm::Error start() = 0;
  /// Fails on a timeout or when the run ended in any state other than completed.
  virtual llvm::Error wait(std::chrono::milliseconds timeout) = 0;
};

class Kernel {
public:
  virtual ~Kernel();
  /// A buffer in the memory bank argument `argIndex` is connected to (xrt::kernel::group_id).
  virtual llvm::Expected<std::unique_ptr<Bo>> allocBo(size_t bytes, unsigned argIndex) = 0;
  virtual llvm::Expected<std::unique_ptr<Run>> createRun() = 0;
};

/// The device: open board N, load the bitstream, look up a kernel.
class Api {
public:
  virtual ~Api();
  virtual llvm::Error openDevice(unsigned index) = 0;
  virtual llvm::Error loadXclbin(llvm::StringRef path) = 0;
  virtual llvm::Expected<std::unique_ptr<Kernel>> openKernel(llvm::StringRef name) = 0;
};

/// XRT itself (only in builds with libxrt-dev; XrtApiReal.cpp).
std::unique_ptr<Api> createRealApi();

} // namespace vimq::rt::xrtapi

namespace vimq::rt {
/// The xrt device over any Api (createXrtDevice passes the real one).
llvm::Expected<std::unique_ptr<Device>>
createXrtDeviceWith(std::unique_ptr<xrtapi::Api> api, unsigned index, const DeviceOptions &opts);
} // namespace vimq::rt
