//===- Importer.h - the ONNX importer's internals ------------------*- C++ -*-===//
//
// The importer walks an ONNX graph in order and builds, for each node, ops on tensors through
// the emitter registered for its (domain, op type). Emitters share the helpers declared here:
// node attributes, broadcasting, linalg.generic builders, element casts, and small integer
// tensors tracked symbolically (SymInt) so that shape arithmetic folds at import time.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_LIB_IMPORT_IMPORTER_H
#define SSM_LIB_IMPORT_IMPORTER_H

#include "ssm-compiler/OnnxImport.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <optional>

namespace onnx {
class AttributeProto;
class NodeProto;
class TensorProto;
} // namespace onnx

namespace ssmc::onnx_import {

using namespace mlir;

/// A scalar integer known at import time, or an `index` value computed at run time.
struct SymInt {
  std::optional<int64_t> constant;
  Value value;

  static SymInt of(int64_t c) { return {c, nullptr}; }
  static SymInt of(Value v) { return {std::nullopt, v}; }
  bool isConstant() const { return constant.has_value(); }
};

class Importer;

/// One node being imported: its inputs, attributes and where to report errors.
class NodeContext {
public:
  NodeContext(Importer &importer, const onnx::NodeProto &node, int64_t opset,
              llvm::StringRef domain, Location loc, llvm::ArrayRef<Value> inputs);

  Importer &importer;
  OpBuilder &b;
  Location loc;
  int64_t opset;

  llvm::StringRef opType() const;
  llvm::StringRef domain() const { return domainName; }
  size_t numInputs() const { return inputs.size(); }
  size_t numOutputs() const;
  /// Input `i`, or null where it is absent (an empty name or past the end).
  Value input(size_t i) const { return i < inputs.size() ? inputs[i] : Value(); }
  bool hasInput(size_t i) const { return static_cast<bool>(input(i)); }
  /// The inputs that are present (variadic ops), or an error when there are none.
  FailureOr<llvm::SmallVector<Value>> presentInputs() const;
  /// Whether output `i` is used (a non-empty name).
  bool wantsOutput(size_t i) const;

  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  int64_t getInt(llvm::StringRef name, int64_t dflt) const;
  float getFloat(llvm::StringRef name, float dflt) const;
  std::string getString(llvm::StringRef name, llvm::StringRef dflt) const;
  std::optional<llvm::SmallVector<int64_t>> getInts(llvm::StringRef name) const;

  /// An error about this node: "node 'NAME' (OP, domain D, opset N): ...".
  InFlightDiagnostic error() const;
  /// The same, for what the importer does not support (the import reports Unsupported).
  InFlightDiagnostic unsupported() const;

  /// Input `i` as a ranked tensor, or an error naming `what`.
  FailureOr<Value> required(size_t i, llvm::StringRef what) const;
  /// Normalizes an axis in [-rank, rank) to [0, rank), or reports an error.
  FailureOr<int64_t> axis(int64_t axis, int64_t rank) const;

  /// Constant scalar of `type` in the current insertion point.
  Value scalar(Type type, double value) const;
  /// The index-typed size of dimension `d` of `tensor`.
  Value dim(Value tensor, int64_t d) const;
  llvm::SmallVector<OpFoldResult> sizes(Value tensor) const;
  /// A runtime check (the run fails with `message` unless `condition`).
  void check(Value condition, Value a, Value b, llvm::StringRef message) const;

private:
  const onnx::NodeProto &node;
  llvm::StringRef domainName;
  llvm::SmallVector<Value> inputs;
};

using EmitFn = LogicalResult (*)(NodeContext &ctx, llvm::SmallVectorImpl<Value> &results);

/// An emitter for every opset >= `since` of a (domain, op type).
struct OpEntry {
  OnnxOpInfo info;
  EmitFn emit;
};

llvm::ArrayRef<OpEntry> elementwiseOps();
llvm::ArrayRef<OpEntry> tensorOps();
llvm::ArrayRef<OpEntry> linalgOps();
llvm::ArrayRef<OpEntry> sequenceModelOps();
llvm::ArrayRef<OpEntry> contribOps();

//===----------------------------------------------------------------------===//
// Sequence-model emitters and helpers shared by the ONNX and com.microsoft forms
//===----------------------------------------------------------------------===//

/// ssm.causal_conv1d from (x (B, C, L), weight (C, 1, K) or (C, K), bias?, state? (B, C, K-1))
/// and the `activation` attribute.
LogicalResult emitCausalConv1d(NodeContext &ctx, llvm::SmallVectorImpl<Value> &results);
/// LinearAttention (query, key, value, past_state?, decay?, beta?) with the attributes
/// update_rule, q_num_heads, kv_num_heads and scale.
LogicalResult emitLinearAttention(NodeContext &ctx, llvm::SmallVectorImpl<Value> &results);

/// (B, S, H*D) -> (B, H, S, D).
Value splitHeads(NodeContext &ctx, Value x, int64_t heads);
/// (B, H, S, D) -> (B, S, H*D).
Value mergeHeads(NodeContext &ctx, Value x);
/// lm.rotary of `x` (B, H, S, D) over its first 2 * `half` channels. With `positions`
/// (B or 1, S), the caches are (max_position, >= half) tables indexed by position; without,
/// they are already (B or 1, S, >= half).
Value applyRotary(NodeContext &ctx, Value x, Value cosCache, Value sinCache, Value positions,
                  SymInt half, bool interleaved);

//===----------------------------------------------------------------------===//
// Shared builders
//===----------------------------------------------------------------------===//

using BodyFn = std::function<Value(OpBuilder &, Location, ValueRange)>;

/// A static-shaped tensor type where the sizes are constants, dynamic elsewhere.
RankedTensorType tensorType(llvm::ArrayRef<OpFoldResult> sizes, Type elementType);
Value emptyTensor(OpBuilder &b, Location loc, llvm::ArrayRef<OpFoldResult> sizes, Type elementType);
/// A tensor of `sizes` filled with `value`.
Value filledTensor(OpBuilder &b, Location loc, llvm::ArrayRef<OpFoldResult> sizes, Value value);

/// A parallel linalg.generic over `sizes` reading `inputs` through `maps`; `body` gets the
/// input elements and returns the output element.
Value buildGeneric(OpBuilder &b, Location loc, llvm::ArrayRef<OpFoldResult> sizes, Type elementType,
                   ValueRange inputs, llvm::ArrayRef<AffineMap> maps, const BodyFn &body);

/// A linalg.generic over `loopSizes` that reduces the dimensions `reduced` of the loop into
/// an output indexed by the others, starting from `init`; `body` gets the input elements and
/// the accumulator and returns the new accumulator.
Value buildReduction(OpBuilder &b, Location loc, llvm::ArrayRef<OpFoldResult> loopSizes,
                     llvm::ArrayRef<bool> reduced, Value init, ValueRange inputs,
                     llvm::ArrayRef<AffineMap> maps, const BodyFn &body);

/// Converts a scalar between ONNX element types (float, signed integer, bool) as Cast does.
Value castScalar(OpBuilder &b, Location loc, Value value, Type to);
/// Converts every element of `tensor` to `to` (no op when it already is).
Value castTensor(OpBuilder &b, Location loc, Value tensor, Type to);

/// Broadcasts `inputs` (ONNX multidirectional broadcasting): the result's sizes and each
/// input's indexing map. A dynamic input dimension must equal the result's at run time.
struct Broadcast {
  llvm::SmallVector<OpFoldResult> sizes;
  llvm::SmallVector<AffineMap> maps;
};
FailureOr<Broadcast> broadcast(NodeContext &ctx, ValueRange inputs);

/// Elementwise op over broadcast inputs.
FailureOr<Value> elementwise(NodeContext &ctx, ValueRange inputs, Type resultElement,
                             const BodyFn &body);

/// The `index` value of `value` (a constant where it is known).
Value indexValue(OpBuilder &b, Location loc, const SymInt &value);

/// The sizes of `tensor` as SymInts, and SymInts as fold results.
llvm::SmallVector<SymInt> symSizes(NodeContext &ctx, Value tensor);
llvm::SmallVector<OpFoldResult> foldResults(NodeContext &ctx, llvm::ArrayRef<SymInt> values);
/// Reshapes `x` to `sizes` (which must hold as many elements), keeping the symbolic
/// elements of small integer tensors.
Value reshapeTo(NodeContext &ctx, Value x, llvm::ArrayRef<SymInt> sizes);

//===----------------------------------------------------------------------===//
// The importer
//===----------------------------------------------------------------------===//

class Importer {
public:
  Importer(MLIRContext *context, OnnxImportStatus &status) : builder(context), status(status) {}

  OpBuilder builder;
  OnnxImportStatus &status;
  /// The runtime environment argument of the function being built (for run-time checks).
  Value env;
  /// Converts an ONNX tensor (a Constant's value) into an attribute, or reports an error.
  std::function<FailureOr<DenseElementsAttr>(const onnx::TensorProto &, Location)> tensorAttr;

  /// The integers of a small 0-D or 1-D integer tensor, known or read at run time; an error
  /// naming `what` if `value` is not one.
  FailureOr<llvm::SmallVector<SymInt>> ints(NodeContext &ctx, Value value, llvm::StringRef what);
  /// The same, only when every element is known at import time.
  std::optional<llvm::SmallVector<int64_t>> constantInts(Value value);
  /// Builds a tensor of `type` (0-D or 1-D, integer) from `values`, remembered symbolically.
  Value materialize(OpBuilder &b, Location loc, llvm::ArrayRef<SymInt> values,
                    RankedTensorType type);
  /// The symbolic integers of `value` when they were recorded or it is a constant.
  std::optional<llvm::SmallVector<SymInt>> symbolic(Value value);

private:
  llvm::DenseMap<Value, llvm::SmallVector<SymInt>> symbols;
};

/// SymInt arithmetic (folded when both sides are known).
SymInt symAdd(OpBuilder &b, Location loc, SymInt x, SymInt y);
SymInt symSub(OpBuilder &b, Location loc, SymInt x, SymInt y);
SymInt symMul(OpBuilder &b, Location loc, SymInt x, SymInt y);
/// Floor division and its remainder (the divisor is non-zero).
SymInt symFloorDiv(OpBuilder &b, Location loc, SymInt x, SymInt y);
SymInt symMin(OpBuilder &b, Location loc, SymInt x, SymInt y);
SymInt symMax(OpBuilder &b, Location loc, SymInt x, SymInt y);
/// Selects `x` if `c` != 0, else `y`.
SymInt symSelect(OpBuilder &b, Location loc, SymInt c, SymInt x, SymInt y);
/// The size of dimension `d` of `tensor`.
SymInt symDim(OpBuilder &b, Location loc, Value tensor, int64_t d);
OpFoldResult toFoldResult(OpBuilder &b, const SymInt &value);

} // namespace ssmc::onnx_import

#endif // SSM_LIB_IMPORT_IMPORTER_H
