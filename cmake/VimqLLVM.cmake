# LLVM ADT/Support from llvm-14-dev.
# We link the *static* libLLVMSupport.a (+ libLLVMDemangle.a), not the shared libLLVM-14.so:
# with the shared library, registering options such as `print-after-all` aborts at start-up
# because libLLVM registers the same names. We also do not take `llvm-config --cxxflags`
# wholesale (it forces -fno-exceptions -std=c++14); only the include dir and the definitions.
find_program(LLVM_CONFIG NAMES llvm-config-14 llvm-config
             HINTS /usr/lib/llvm-14/bin REQUIRED)
execute_process(COMMAND ${LLVM_CONFIG} --includedir OUTPUT_VARIABLE LLVM_INCLUDE_DIR
                OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${LLVM_CONFIG} --libdir OUTPUT_VARIABLE LLVM_LIB_DIR
                OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${LLVM_CONFIG} --bindir OUTPUT_VARIABLE LLVM_TOOLS_DIR
                OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${LLVM_CONFIG} --system-libs --link-static
                OUTPUT_VARIABLE LLVM_SYSTEM_LIBS OUTPUT_STRIP_TRAILING_WHITESPACE)
separate_arguments(LLVM_SYSTEM_LIBS)
# Cross builds (cmake/aarch64-linux-gnu.cmake): the build machine's llvm-config reports paths
# that hold the target's LLVM inside the sysroot.
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSROOT)
  set(LLVM_INCLUDE_DIR ${CMAKE_SYSROOT}${LLVM_INCLUDE_DIR})
  set(LLVM_LIB_DIR ${CMAKE_SYSROOT}${LLVM_LIB_DIR})
endif()

add_library(vimq_llvm INTERFACE)
target_include_directories(vimq_llvm SYSTEM INTERFACE ${LLVM_INCLUDE_DIR})
target_compile_definitions(vimq_llvm INTERFACE __STDC_CONSTANT_MACROS __STDC_FORMAT_MACROS
                           __STDC_LIMIT_MACROS)
target_link_libraries(vimq_llvm INTERFACE
  ${LLVM_LIB_DIR}/libLLVMSupport.a ${LLVM_LIB_DIR}/libLLVMDemangle.a
  ${LLVM_SYSTEM_LIBS} Threads::Threads)

set(VIMQ_FILECHECK ${LLVM_TOOLS_DIR}/FileCheck)
set(VIMQ_LIT /usr/lib/llvm-14/build/utils/lit/lit.py)
