# cmake -P script behind the hw_hls_freestanding test (see tests/hw/CMakeLists.txt).
# For every compiler in COMPILERS and for C++14 and C++20 at -O0 and -O2: SOURCE compiles
# freestanding and warning-free, and `nm -u` of the object lists no operator new/delete, no
# malloc/calloc/realloc/free and no __cxa_* (C++ runtime) symbol. TOO_WIDE must fail to compile
# with the "wider than 128 bits" static_assert.
file(MAKE_DIRECTORY ${WORK_DIR})
set(flags -nostdinc++ -fno-exceptions -fno-rtti -D__SYNTHESIS__ -DVIMQ_HLS_COMPAT
          -Wall -Wextra -Wpedantic -Werror -I${INCLUDE_DIR})
set(failed 0)
foreach(cxx IN LISTS COMPILERS)
  get_filename_component(cxx_name ${cxx} NAME)
  foreach(std c++14 c++20)
    foreach(opt -O0 -O2)
      set(obj ${WORK_DIR}/${cxx_name}${std}${opt}.o)
      execute_process(COMMAND ${cxx} -std=${std} ${opt} ${flags} -c ${SOURCE} -o ${obj}
                      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
      if(NOT rc EQUAL 0)
        message(SEND_ERROR "${cxx_name} -std=${std} ${opt}: does not compile freestanding:\n${out}")
        set(failed 1)
        continue()
      endif()
      execute_process(COMMAND nm -u ${obj} RESULT_VARIABLE rc OUTPUT_VARIABLE syms)
      if(NOT rc EQUAL 0)
        message(SEND_ERROR "nm -u ${obj} failed")
        set(failed 1)
        continue()
      endif()
      string(REGEX MATCHALL "[^\n ]*(_Znw|_Zna|_Zdl|_Zda|malloc|calloc|realloc|free|__cxa_)[^\n]*"
             bad "${syms}")
      if(bad)
        message(SEND_ERROR "${cxx_name} -std=${std} ${opt}: the object references ${bad}")
        set(failed 1)
      else()
        message(STATUS "${cxx_name} -std=${std} ${opt}: ok (undefined: ${syms})")
      endif()
    endforeach()
  endforeach()
  execute_process(COMMAND ${cxx} -std=c++14 ${flags} -fsyntax-only ${TOO_WIDE}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0 OR NOT out MATCHES "wider than 128 bits")
    message(SEND_ERROR "${cxx_name}: a 129-bit result must fail with the 128-bit static_assert:\n${out}")
    set(failed 1)
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "hls freestanding check failed")
endif()
