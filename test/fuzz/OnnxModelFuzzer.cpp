//===- OnnxModelFuzzer.cpp - fuzz the binary ONNX reader and importer -----===//
//
// Input: the bytes of a .onnx file (a serialized ModelProto), imported as ssm-compile would,
// with external data resolved against a folder that holds `weights.bin`.
//
//===----------------------------------------------------------------------===//

#include "test/fuzz/ImportFuzzing.h"

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  ssmc::fuzz::createModelFolder();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ssmc::fuzz::importAndCheck(data, size, ssmc::OnnxFormat::Binary);
  return 0;
}
