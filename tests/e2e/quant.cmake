# ViM-Q fidelity against FP32 (tests/e2e/test_fidelity.py): golden model vs the FP32 reference
# on ViM-tiny with outlier channels, with a negative control that must fail the thresholds.
add_test(NAME e2e_quant_fidelity
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_fidelity.py
                 ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(e2e_quant_fidelity PROPERTIES LABELS "e2e" TIMEOUT 300)
