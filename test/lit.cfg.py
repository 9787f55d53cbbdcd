# lit configuration of the SSM compiler's test suite.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "SSM"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
# runtime/ holds GoogleTest sources and the models they load; numerics/ a Python suite.
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "runtime", "numerics"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.ssm_obj_root, "test")

config.environment["FILECHECK_OPTS"] = "--enable-var-scope"
config.substitutions.append(("%ssm_src_root", config.ssm_src_root))
config.substitutions.append(("%ssm_obj_root", config.ssm_obj_root))

# ptxas (and libdevice) of a CUDA toolkit, for tests that build GPU code.
cuda_home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
if os.access(os.path.join(cuda_home, "bin", "ptxas"), os.X_OK):
    config.available_features.add("cuda-toolkit")
    config.environment["CUDA_HOME"] = cuda_home

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["ssm-opt", "ssm-compile", "ssm-run"], [config.ssm_tools_dir])
