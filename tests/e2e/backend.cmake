# The overlay against the golden model, bit for bit (tests/e2e/test_sim_golden.py), one ctest
# per model/shape, plus byte-identical recompilation.
set(_sim_golden_cases vim-tiny-224 vim-small-224 vim-base-224-d2 vim-tiny-160x224-d6
    vim-tiny-384-d3 vim-odd-patch8 vim-tiny-batch2 vim-opset14-raw
    vim-cls-head vim-cls-tail vim-arch-knobs determinism
    fm-vim-tiny-64-d4 fm-vim-odd-patch8
    m2-small fm-m2-small m2-ngroups2-batch2 fm-m2-ngroups2-batch2 fm-m2-opset14-raw
    fm-m2-130m-seq13)
foreach(case ${_sim_golden_cases})
  add_test(NAME e2e_sim_golden_${case}
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_sim_golden.py
                   ${CMAKE_BINARY_DIR}/bin ${case})
  set_tests_properties(e2e_sim_golden_${case} PROPERTIES LABELS "e2e;sim" TIMEOUT 600)
endforeach()
