//===- ShapeCheck.h - shape and dtype rules for op verifiers ------*- C++ -*-===//
//
// Verifiers of the ssm and lm ops state their rules against symbolic dimension names, the way
// the op specs do: `check.shape("C3", "A", type, {"D", "N"})` binds or compares D and N. Each
// failure is one diagnostic that names the rule, the operand and what was expected.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_DIALECTS_COMMON_SHAPECHECK_H
#define SSM_DIALECTS_COMMON_SHAPECHECK_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringMap.h"

#include <string>

namespace mlir::ssm_common {

/// f32, bf16 or f16: the activation types.
bool isActivationType(Type type);

/// Prints `type`'s element type list for messages: "f32, bf16 or f16".
inline constexpr const char *kActivationTypes = "f32, bf16 or f16";

/// Checks operand and result types of one op against named dimensions. Dimension names are
/// bound on first sight of a static size; later uses must agree. A spec entry may be "K-1"
/// (a bound name minus a constant) or "*" (any size).
class ShapeCheck {
public:
  explicit ShapeCheck(Operation *op) : op(op) {}

  /// `type` must be a ranked tensor of rank `dims.size()` with dimensions agreeing with `dims`.
  LogicalResult shape(StringRef rule, StringRef name, Type type, ArrayRef<StringRef> dims);
  /// As `shape`, and the element type must be f32.
  LogicalResult shapeF32(StringRef rule, StringRef name, Type type, ArrayRef<StringRef> dims);
  /// As `shape`, and the element type must be an activation type.
  LogicalResult shapeAct(StringRef rule, StringRef name, Type type, ArrayRef<StringRef> dims);
  /// The element type of `type` must be an activation type.
  LogicalResult activation(StringRef rule, StringRef name, Type type);
  /// The element type of `type` must be a float type.
  LogicalResult floating(StringRef rule, StringRef name, Type type);
  /// The element type of `type` must be `expected`.
  LogicalResult elementType(StringRef rule, StringRef name, Type type, Type expected,
                            StringRef expectedFrom);
  /// `type` must be compatible with `expected` (the type of operand `expectedFrom`): the same
  /// element type and shape, where a dynamic size matches any size.
  LogicalResult sameType(StringRef rule, StringRef name, Type type, Type expected,
                         StringRef expectedFrom);
  /// `type` must have the shape of `expected` (the type of operand `expectedFrom`), where a
  /// dynamic size matches any size.
  LogicalResult sameShape(StringRef rule, StringRef name, Type type, Type expected,
                          StringRef expectedFrom);
  /// The bound size of `dim`, or ShapedType::kDynamic.
  int64_t size(StringRef dim) const;
  /// Binds `dim` (if static) without checking against a type.
  void bind(StringRef dim, int64_t size, StringRef from);

  /// Emits "[rule] message" as an op error.
  InFlightDiagnostic error(StringRef rule);

private:
  struct Binding {
    int64_t size;
    std::string from;
  };
  Operation *op;
  llvm::StringMap<Binding> bound;
};

/// "(B, D, L)" for messages.
std::string formatDims(ArrayRef<StringRef> dims);

} // namespace mlir::ssm_common

#endif // SSM_DIALECTS_COMMON_SHAPECHECK_H
