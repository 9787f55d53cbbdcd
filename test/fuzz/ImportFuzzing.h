//===- ImportFuzzing.h - what both ONNX fuzz targets check -------*- C++ -*-===//

#ifndef SSM_TEST_FUZZ_IMPORTFUZZING_H
#define SSM_TEST_FUZZ_IMPORTFUZZING_H

#include "ssm-compiler/OnnxImport.h"

#include <cstddef>
#include <cstdint>

namespace ssmc::fuzz {

/// Makes the folder that models are imported from: it holds `weights.bin` (4096 bytes), so
/// that external data references can resolve.
void createModelFolder();

/// Imports `data` as a model of `format` in a fresh context and aborts unless the outcome is
/// consistent: either a module that verifies, status Ok and no error, or no module, a status
/// that says why and at least one error diagnostic.
void importAndCheck(const uint8_t *data, size_t size, OnnxFormat format);

} // namespace ssmc::fuzz

#endif // SSM_TEST_FUZZ_IMPORTFUZZING_H
