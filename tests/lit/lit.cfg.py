# lit configuration of the vimq suite.
#
# Normally loaded through the build tree's lit.site.cfg.py (see CMakeLists.txt). Running lit on
# the source folder also works when the build is named: `lit.py -sv tests/lit
# --param vimq_build=build` (or VIMQ_BUILD_DIR=build in the environment).
#
# Substitutions: %python (the interpreter with torch/onnx/numpy), %inputs (tests/lit/Inputs).
# vimq-compile, vimq-ref, FileCheck and not are found on PATH (the build's bin/ first).
import os

import lit.formats
import lit.util

config.name = "vimq"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))

if not hasattr(config, "vimq_bin_dir"):
    build = lit_config.params.get("vimq_build") or os.environ.get("VIMQ_BUILD_DIR")
    if not build:
        lit_config.fatal("run lit on the build tree (build/tests/lit) or pass "
                         "--param vimq_build=<build dir>")
    build = os.path.abspath(build)
    config.vimq_bin_dir = os.path.join(build, "bin")
    config.vimq_exec_root = os.path.join(build, "tests", "lit")
    config.llvm_tools_dir = "/usr/lib/llvm-14/bin"
    config.python_executable = "/usr/bin/python3"

config.test_exec_root = config.vimq_exec_root

for tool in ("vimq-compile", "vimq-ref"):
    if not os.path.exists(os.path.join(config.vimq_bin_dir, tool)):
        lit_config.fatal("%s not found in %s: build it first (ninja vimq-compile vimq-ref)"
                         % (tool, config.vimq_bin_dir))
for tool in ("FileCheck", "not"):
    if not os.path.exists(os.path.join(config.llvm_tools_dir, tool)):
        lit_config.fatal("%s not found in %s (Debian package llvm-14-tools)"
                         % (tool, config.llvm_tools_dir))

# The build's tools first, then LLVM's FileCheck/not; nothing else of the caller's PATH matters
# except the basic utilities (rm, ls, cat) the RUN lines use.
path = [config.vimq_bin_dir, config.llvm_tools_dir, "/usr/bin", "/bin"]
config.environment["PATH"] = os.pathsep.join(path)
# Deterministic messages (no locale-dependent strerror text) and no colour codes from tools.
config.environment["LC_ALL"] = "C"
config.environment["TERM"] = "dumb"

config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
