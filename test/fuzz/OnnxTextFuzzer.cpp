//===- OnnxTextFuzzer.cpp - fuzz the .onnxtxt parser and the importer -----===//
//
// Input: ONNX's textual syntax, parsed and imported as ssm-compile would. Text reaches the
// importer with well-formed graphs far more often than mutated protobuf bytes do.
//
//===----------------------------------------------------------------------===//

#include "test/fuzz/ImportFuzzing.h"

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  ssmc::fuzz::createModelFolder();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ssmc::fuzz::importAndCheck(data, size, ssmc::OnnxFormat::Text);
  return 0;
}
