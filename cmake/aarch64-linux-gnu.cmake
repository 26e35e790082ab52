# Cross toolchain for the ZCU102's Linux (Cortex-A53, aarch64) with Debian's cross compilers
# (apt install crossbuild-essential-arm64, or g++-aarch64-linux-gnu). See docs/hls-flow.md,
# "The host side on the ZCU102".
#
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DVIMQ_AARCH64_SYSROOT=/path/to/sysroot -DVIMQ_BUILD_TESTS=OFF
#   cmake --build build-aarch64 --target vimq-run
#
# VIMQ_AARCH64_SYSROOT is an aarch64 root holding the libraries the runtime links: XRT (from the
# board's PetaLinux SDK sysroot, `petalinux-build --sdk`, or the Vitis platform's common image
# sysroot) and the build's other dependencies (an arm64 Debian root made with
# `mmdebstrap --architectures=arm64 bookworm ...` holding llvm-14-dev, nlohmann-json3-dev,
# libprotobuf-dev, libonnx-dev). Without it, only the compilers' default paths are searched.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

set(VIMQ_AARCH64_SYSROOT "" CACHE PATH "aarch64 sysroot with the runtime's libraries (XRT, LLVM Support)")
if(VIMQ_AARCH64_SYSROOT)
  set(CMAKE_SYSROOT "${VIMQ_AARCH64_SYSROOT}")
  set(CMAKE_FIND_ROOT_PATH "${VIMQ_AARCH64_SYSROOT}")
endif()
# Programs (llvm-config, protoc, python3) run on the build machine; libraries, headers and
# packages come from the target side only.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
