# Generates the constexpr parameter header of one hardware target from hw/targets/<name>.json.
#
# The JSON is the single source of the synthesis parameters: this function turns it into a
# header for the HLS/sim build at configure time, and vimq_hw_target reads the same file at run
# time. Both compute the fingerprint over the "params" object in sorted-key order
# (see hw/include/vimq/hw/Fingerprint.h), so the two can never disagree silently.

# snake_case -> kCamelCase.
function(_vimq_param_cxx_name out key)
  string(REPLACE "_" ";" parts "${key}")
  set(name "k")
  foreach(p IN LISTS parts)
    string(SUBSTRING "${p}" 0 1 head)
    string(SUBSTRING "${p}" 1 -1 tail)
    string(TOUPPER "${head}" head)
    string(APPEND name "${head}${tail}")
  endforeach()
  set(${out} "${name}" PARENT_SCOPE)
endfunction()

# vimq_hw_target_names(OUT_VAR): the boards of hw/targets/, sorted: every <board>.json, whose
# "name" must be <board>. The sim is built for each of them and `--version` lists them.
function(vimq_hw_target_names out)
  set(dir ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../targets)
  file(GLOB jsons CONFIGURE_DEPENDS ${dir}/*.json)
  list(SORT jsons)
  set(names "")
  foreach(json IN LISTS jsons)
    get_filename_component(board ${json} NAME_WE)
    file(READ ${json} text)
    string(JSON name GET "${text}" name)
    if(NOT name STREQUAL board)
      message(FATAL_ERROR "${json}: name '${name}' differs from the file name '${board}'")
    endif()
    list(APPEND names ${board})
  endforeach()
  set(${out} ${names} PARENT_SCOPE)
endfunction()

# vimq_generate_target_config(JSON OUT_HEADER): writes OUT_HEADER (only when its content changes).
function(vimq_generate_target_config json out_header)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${json}")
  file(READ "${json}" text)
  string(JSON name GET "${text}" name)
  string(JSON part GET "${text}" part)
  # The name is also the C++ namespace of the target's sim symbols (below).
  if(NOT name MATCHES "^[A-Za-z][A-Za-z0-9_]*$" OR name MATCHES "^(sim|simd|cfg|abi|isa)$")
    message(FATAL_ERROR "${json}: name '${name}' must be a C++ identifier (letters, digits, _) "
                        "and not one of hw's namespaces (sim, simd, cfg, abi, isa)")
  endif()
  string(JSON nparams LENGTH "${text}" params)
  if(nparams EQUAL 0)
    message(FATAL_ERROR "${json}: 'params' is empty")
  endif()
  math(EXPR last "${nparams} - 1")
  set(keys "")
  foreach(i RANGE ${last})
    string(JSON key MEMBER "${text}" params ${i})
    list(APPEND keys "${key}")
  endforeach()
  list(SORT keys)

  set(body "// Generated from ${json} by hw/cmake/VimqTargetConfig.cmake. Do not edit.\n")
  string(APPEND body "#pragma once\n\n// C++14 and STL-free: included by the synthesizable modules (hw/src).\n#include <stdint.h>\n\n")
  string(APPEND body [=[
// The target's namespace. The project's C-simulation libraries (vimq_hw_sim_<target>, compiled
// with -DVIMQ_HW_SIM_TARGET=<target>) link every target into one binary, so each puts the
// symbols that depend on the target (hw/src, hw/sim/Overlay.cpp, hw/sim/ModuleFastPaths.cpp)
// in the inline namespace vimq::hw::<target> (the fast-path hooks: vimq::hw::sim::<target>).
// Synthesis and the HLS flow (hw/hls/vimq-hls) build one target: there the macros are empty
// and every name, the HLS tops' included, is exactly vimq::hw::<name>.
#if defined(VIMQ_HW_SIM_TARGET) && !defined(__SYNTHESIS__)
#define VIMQ_HW_TARGET_NS_BEGIN inline namespace @name@ {
#define VIMQ_HW_TARGET_NS_END }
#else
#define VIMQ_HW_TARGET_NS_BEGIN
#define VIMQ_HW_TARGET_NS_END
#endif

namespace vimq {
namespace hw {
VIMQ_HW_TARGET_NS_BEGIN
namespace cfg {

]=])
  string(APPEND body "constexpr const char kTargetName[] = \"${name}\";\n")
  string(APPEND body "constexpr const char kPart[] = \"${part}\";\n\n")
  set(table "")
  foreach(key IN LISTS keys)
    string(JSON value GET "${text}" params ${key})
    if(NOT value MATCHES "^[0-9]+$" OR value MATCHES "^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]")
      message(FATAL_ERROR "${json}: params.${key} = '${value}' is not an integer of at most 18 digits")
    endif()
    _vimq_param_cxx_name(cxx "${key}")
    string(APPEND body "constexpr int64_t ${cxx} = ${value};\n")
    string(APPEND table "    {\"${key}\", ${value}},\n")
  endforeach()
  foreach(res lut ff dsp bram36)
    string(JSON value GET "${text}" resources ${res})
    _vimq_param_cxx_name(cxx "budget_${res}")
    string(APPEND body "constexpr int64_t ${cxx} = ${value};\n")
  endforeach()
  string(APPEND body "\nstruct Param {\n  const char *name;\n  int64_t value;\n};\n\n")
  string(APPEND body "/// Every synthesis parameter, sorted by name: the fingerprint's input.\n")
  string(APPEND body "constexpr Param kParams[] = {\n${table}};\n\n} // namespace cfg\nVIMQ_HW_TARGET_NS_END\n} // namespace hw\n} // namespace vimq\n")
  file(CONFIGURE OUTPUT "${out_header}" CONTENT "${body}" @ONLY)
endfunction()
