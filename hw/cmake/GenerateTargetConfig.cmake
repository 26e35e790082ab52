# Script-mode front end of vimq_generate_target_config, for tools that run outside a CMake
# configure (hw/hls/vimq-hls writes the HLS include directory with it):
#
#   cmake -DJSON=hw/targets/zcu102.json -DOUT=<dir>/vimq/hw/TargetConfig.h \
#         -P hw/cmake/GenerateTargetConfig.cmake
#
# The JSON -> header conversion lives only in VimqTargetConfig.cmake, so the header the HLS
# tools compile is byte for byte the one the sim libraries are built with.
if(NOT DEFINED JSON OR NOT DEFINED OUT)
  message(FATAL_ERROR "usage: cmake -DJSON=<target.json> -DOUT=<header> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()
if(NOT EXISTS "${JSON}")
  message(FATAL_ERROR "${JSON}: no such file")
endif()
include(${CMAKE_CURRENT_LIST_DIR}/VimqTargetConfig.cmake)
vimq_generate_target_config("${JSON}" "${OUT}")
