# A trained model on real data (DESIGN §7 rung 4, tests/e2e/test_mnist.py): the committed MNIST
# ViM through ONNX Runtime FP32 and ViM-Q on the sim, accuracy thresholds; ~10 s.
add_test(NAME e2e_mnist_accuracy
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_mnist.py
                 ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(e2e_mnist_accuracy PROPERTIES LABELS "e2e" TIMEOUT 300)
