//===- XrtApiReal.cpp - XrtApi over Debian's libxrt-dev -----------------------------*- C++ -*-===//
//
// Built only when cmake/FindXRT.cmake finds XRT. XRT reports failures with C++ exceptions;
// every call is wrapped so that the runtime only ever sees llvm::Error.
//
//===----------------------------------------------------------------------------------------===//

#include "XrtApi.h"

#include "vimq/support/Error.h"

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include <exception>

using namespace llvm;

namespace vimq::rt::xrtapi {
namespace {

/// Runs `f`, turning an exception into an error that starts with `what`.
template <typename F> Error guarded(StringRef what, F &&f) {
  try {
    f();
    return Error::success();
  } catch (const std::exception &e) {
    return makeError("{0}: {1}", what, e.what());
  }
}

class RealBo final : public Bo {
public:
  explicit RealBo(xrt::bo bo) : bo(std::move(bo)) {}
  Error write(const void *src, size_t size, size_t offset) override {
    return guarded("bo write", [&] { bo.write(src, size, offset); });
  }
  Error read(void *dst, size_t size, size_t offset) override {
    return guarded("bo read", [&] { bo.read(dst, size, offset); });
  }
  Error syncToDevice(size_t size, size_t offset) override {
    return guarded("bo sync to device", [&] { bo.sync(XCL_BO_SYNC_BO_TO_DEVICE, size, offset); });
  }
  Error syncFromDevice(size_t size, size_t offset) override {
    return guarded("bo sync from device",
                   [&] { bo.sync(XCL_BO_SYNC_BO_FROM_DEVICE, size, offset); });
  }
  xrt::bo bo;
};

class RealRun final : public Run {
public:
  explicit RealRun(xrt::run run) : run(std::move(run)) {}
  Error setArg(unsigned index, Bo &b) override {
    return guarded("set_arg",
                   [&] { run.set_arg(int(index), static_cast<RealBo &>(b).bo); });
  }
  Error setArg(unsigned index, uint32_t value) override {
    return guarded("set_arg", [&] { run.set_arg(int(index), value); });
  }
  Error start() override {
    return guarded("start", [&] { run.start(); });
  }
  Error wait(std::chrono::milliseconds timeout) override {
    ert_cmd_state state = ERT_CMD_STATE_NEW;
    if (Error e = guarded("wait", [&] { state = run.wait(timeout); }))
      return e;
    if (state == ERT_CMD_STATE_TIMEOUT)
      return makeError("the run did not finish within {0} ms", timeout.count());
    if (state != ERT_CMD_STATE_COMPLETED)
      return makeError("the run ended in state {0}", unsigned(state));
    return Error::success();
  }
  xrt::run run;
};

class RealKernel final : public Kernel {
public:
  RealKernel(xrt::device &device, xrt::kernel kernel) : device(device), kernel(kernel) {}
  Expected<std::unique_ptr<Bo>> allocBo(size_t bytes, unsigned argIndex) override {
    std::unique_ptr<Bo> out;
    if (Error e = guarded("bo alloc", [&] {
          out = std::make_unique<RealBo>(
              xrt::bo(device, bytes, kernel.group_id(int(argIndex))));
        }))
      return e;
    return out;
  }
  Expected<std::unique_ptr<Run>> createRun() override {
    std::unique_ptr<Run> out;
    if (Error e = guarded("run", [&] { out = std::make_unique<RealRun>(xrt::run(kernel)); }))
      return e;
    return out;
  }
  xrt::device &device;
  xrt::kernel kernel;
};

class RealApi final : public Api {
public:
  Error openDevice(unsigned index) override {
    return guarded("cannot open the board", [&] { device = xrt::device(index); });
  }
  Error loadXclbin(StringRef path) override {
    return guarded("cannot load the xclbin", [&] { uuid = device.load_xclbin(path.str()); });
  }
  Expected<std::unique_ptr<Kernel>> openKernel(StringRef name) override {
    std::unique_ptr<Kernel> out;
    // Exclusive: one host process drives the overlay (its status block is per run anyway).
    if (Error e = guarded("cannot open kernel", [&] {
          out = std::make_unique<RealKernel>(
              device, xrt::kernel(device, uuid, name.str(),
                                  xrt::kernel::cu_access_mode::exclusive));
        }))
      return e;
    return out;
  }

private:
  xrt::device device;
  xrt::uuid uuid;
};

} // namespace

std::unique_ptr<Api> createRealApi() { return std::make_unique<RealApi>(); }

} // namespace vimq::rt::xrtapi
