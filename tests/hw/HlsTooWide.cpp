//===- HlsTooWide.cpp - must NOT compile: an operator result wider than 128 bits -------------===//
//
// HlsFreestandingCheck.cmake expects this file to fail with the compat's static_assert message.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/hw/Hls.h"

ap_int<128> tooWide(ap_int<128> a, ap_int<8> b) {
  ap_int<128> r = a + b; // ap_int_base<129, true>
  return r;
}
