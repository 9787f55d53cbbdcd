//===- OnnxText.h - ONNX's textual syntax -> ModelProto ---------*- C++ -*-===//
//
// A parser for the textual model syntax of onnx/defs/parser.h, described in ONNX's
// docs/Syntax.md:
//
//   <ir_version: 8, opset_import: ["" : 18]>
//   agraph (float[N, 128] X, float[128, 10] W) => (float[N, 10] Y) {
//     T = MatMul(X, W)
//     Y = Softmax <axis = -1> (T)
//   }
//
// It needs only the standard library and the protobuf classes of onnx-ml.proto.
//
//===----------------------------------------------------------------------===//

#pragma once

#include <string>
#include <string_view>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace ssmc {

/// Parses ONNX's textual syntax into `model`. On failure returns false and sets `error` to a
/// message "line L, column C: what was expected / found".
bool parseOnnxText(std::string_view text, onnx::ModelProto &model, std::string &error);

} // namespace ssmc
