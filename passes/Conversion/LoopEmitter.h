//===- LoopEmitter.h - building blocks of the loop lowerings ------*- C++ -*-===//
//
// The CPU lowerings of the ssm and lm ops read operands as memrefs, compute in f32, and write
// fresh result buffers. This is the vocabulary they share: buffers in and out, run-time
// dimension checks, parallel and sequential loops, and f32 arithmetic.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_PASSES_CONVERSION_LOOPEMITTER_H
#define SSM_PASSES_CONVERSION_LOOPEMITTER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::ssm {

/// Arithmetic and memory access at one insertion point. Scalar values are f32 unless noted;
/// loads widen to f32 and stores round to the buffer's element type.
class Emitter {
public:
  Emitter(OpBuilder &builder, Location loc) : b(builder), loc(loc) {}

  OpBuilder &builder() { return b; }
  Location location() const { return loc; }

  // Constants.
  Value f32(double value);
  Value index(int64_t value);
  Value i64(int64_t value);

  // Memory.
  Value load(Value memref, ValueRange indices);
  void store(Value value, Value memref, ValueRange indices);
  /// Dimension `dim` of `memref` as an index (a constant when static).
  Value dim(Value memref, int64_t dim);

  // f32 arithmetic.
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  Value div(Value x, Value y);
  Value fma(Value x, Value y, Value z); // x * y + z
  /// x * y + acc as a term of a sum whose order may change (fast-math reassoc): lets LLVM
  /// vectorize the reduction, at the cost of summing in a different order.
  Value accumulate(Value x, Value y, Value acc);
  Value max(Value x, Value y);
  Value min(Value x, Value y);
  Value neg(Value x);
  Value exp(Value x);
  Value sqrt(Value x);
  Value tanh(Value x);
  /// log(1 + exp(x)), without overflow for large x.
  Value softplus(Value x);
  Value sigmoid(Value x);
  /// x * sigmoid(x)
  Value silu(Value x);
  Value cmp(arith::CmpFPredicate predicate, Value x, Value y);
  Value select(Value condition, Value x, Value y);

  // Index arithmetic.
  Value addi(Value x, Value y);
  Value subi(Value x, Value y);
  Value muli(Value x, Value y);
  Value divi(Value x, Value y); // unsigned: indices are non-negative
  Value remi(Value x, Value y);
  Value mini(Value x, Value y);
  Value cmpi(arith::CmpIPredicate predicate, Value x, Value y);
  Value toI64(Value index);
  Value indexToF32(Value index);

private:
  OpBuilder &b;
  Location loc;
};

/// Reads a tensor operand as a memref (read-only, identity layout).
Value bufferOf(OpBuilder &b, Location loc, Value tensor);
/// A new buffer for a result of `type`; dynamic sizes are taken from `dims` (one per dynamic
/// dimension of `type`, in order).
Value allocResult(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dims);
/// The entries of `sizes` (one per dimension of `type`) at its dynamic dimensions.
SmallVector<Value> dynamicSizes(ShapedType type, ArrayRef<Value> sizes);
/// The tensor of a result buffer.
Value tensorOf(OpBuilder &b, Location loc, Value buffer);

/// The runtime environment of the function that holds `op` (its first argument, added by
/// ssm-host-env), or null.
Value findEnvironment(Operation *op);

/// Emits run-time checks that compiled code relies on, for what the verifier could not see.
class Checker {
public:
  Checker(Emitter &e, Value env, StringRef opName) : e(e), env(env), opName(opName.str()) {}

  /// Dimension `da` of operand `a` (named `aName` in messages) equals dimension `db` of `b`.
  /// Nothing is emitted when both are static: the verifier saw them.
  void equalDims(Value a, int64_t da, StringRef aName, Value b, int64_t db, StringRef bName);
  /// `x` (an index) equals `y`.
  void equal(Value x, Value y, StringRef message);
  /// `divisor` (an index) is positive and divides `value`.
  void divides(Value divisor, Value value, StringRef message);
  /// dim `da` of `a` is 1 or equals `y`.
  void broadcastable(Value a, int64_t da, Value y, StringRef message);

  /// `condition` holds; `x` and `y` (indices) are reported when it does not.
  void require(Value condition, Value x, Value y, StringRef message);

private:
  Emitter &e;
  Value env;
  std::string opName;
};

/// An `scf.parallel` over [0, ub) for each of `upperBounds` (one trip when there are none);
/// `body` builds the loop body at the given induction variables.
void buildParallel(OpBuilder &b, Location loc, ValueRange upperBounds,
                   function_ref<void(OpBuilder &, Location, ValueRange)> body);

/// An `scf.for` over [lb, ub) step 1 carrying `inits`; `body` returns the next values.
SmallVector<Value>
buildFor(OpBuilder &b, Location loc, Value lb, Value ub, ValueRange inits,
         function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)> body);

/// Runs `body` inside a `memref.alloca_scope`, so that stack buffers it allocates are released
/// at the end of each iteration of the enclosing loop.
void withStackScope(OpBuilder &b, Location loc, function_ref<void(OpBuilder &, Location)> body);

/// A stack buffer of `size` f32 values.
Value stackBuffer(OpBuilder &b, Location loc, Value size);

} // namespace mlir::ssm

#endif // SSM_PASSES_CONVERSION_LOOPEMITTER_H
