# ViM-Q fidelity against FP32 (tests/e2e/test_fidelity.py): golden model vs the FP32 reference
# on ViM-tiny with outlier channels, with a negative control that must fail the thresholds.
add_test(NAME e2e_quant_fidelity
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_fidelity.py
                 ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(e2e_quant_fidelity PROPERTIES LABELS "e2e" TIMEOUT 300)
# Fidelity on real text (tests/e2e/test_charlm_ppl.py): the committed character LM's held-out
# perplexity under ONNX Runtime, the FP32 interpreter, the vimq / fastmamba golden models and
# their bundles on the sim.
add_test(NAME e2e_charlm_ppl
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_charlm_ppl.py
                 ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(e2e_charlm_ppl PROPERTIES LABELS "e2e;ort;sim" TIMEOUT 300)
