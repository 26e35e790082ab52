# FindXRT: Xilinx XRT as Debian packages it (libxrt-dev): headers in /usr/include/xrt, the
# native C++ API in libxrt_coreutil. No CMake config ships with the package.
#
# Defines XRT_FOUND, XRT_INCLUDE_DIR, XRT_COREUTIL_LIBRARY and the imported target XRT::coreutil.
find_path(XRT_INCLUDE_DIR NAMES xrt/xrt_kernel.h
          HINTS /usr/include/xrt /opt/xilinx/xrt/include)
find_library(XRT_COREUTIL_LIBRARY NAMES xrt_coreutil
             HINTS /usr/lib/x86_64-linux-gnu /opt/xilinx/xrt/lib)
# xrt::uuid's inline members call libuuid (uuid_clear, uuid_copy) directly.
find_library(XRT_UUID_LIBRARY NAMES uuid)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(XRT REQUIRED_VARS XRT_INCLUDE_DIR XRT_COREUTIL_LIBRARY
                                  XRT_UUID_LIBRARY)

if(XRT_FOUND AND NOT TARGET XRT::coreutil)
  add_library(XRT::coreutil UNKNOWN IMPORTED)
  # Both include forms work: <xrt/xrt_kernel.h> and the headers' own <xrt.h>-style includes.
  set_target_properties(XRT::coreutil PROPERTIES
    IMPORTED_LOCATION "${XRT_COREUTIL_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${XRT_INCLUDE_DIR};/usr/include/xrt"
    INTERFACE_LINK_LIBRARIES "${XRT_UUID_LIBRARY}")
endif()
mark_as_advanced(XRT_INCLUDE_DIR XRT_COREUTIL_LIBRARY XRT_UUID_LIBRARY)
