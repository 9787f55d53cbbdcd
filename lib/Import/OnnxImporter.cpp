//===- OnnxImporter.cpp - ONNX graphs into a function on tensors ----------===//
//
// Loads the model (binary or text, with external data), then imports the main graph node by
// node: initializers and Constant nodes become arith.constant, model-local functions are
// inlined, and every other node goes to the emitter registered for its domain and op type.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/Importer.h"
#include "lib/Import/OnnxText.h"

#include "dialects/lm/LMDialect.h"
#include "dialects/ssm/SSMDialect.h"
#include "dialects/ssmrt/SSMRTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/onnx_pb.h"

#include <map>

using namespace mlir;
using namespace ssmc;
using namespace ssmc::onnx_import;

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

NodeContext::NodeContext(Importer &importer, const onnx::NodeProto &node, int64_t opset,
                         StringRef domain, Location loc, ArrayRef<Value> inputs)
    : importer(importer), b(importer.builder), loc(loc), opset(opset), node(node),
      domainName(domain), inputs(inputs) {}

StringRef NodeContext::opType() const { return node.op_type(); }

size_t NodeContext::numOutputs() const { return node.output_size(); }

bool NodeContext::wantsOutput(size_t i) const {
  return i < static_cast<size_t>(node.output_size()) && !node.output(i).empty();
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const onnx::AttributeProto &attribute : node.attribute())
    if (attribute.name() == name)
      return &attribute;
  return nullptr;
}

int64_t NodeContext::getInt(StringRef name, int64_t dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : dflt;
}

float NodeContext::getFloat(StringRef name, float dflt) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return dflt;
  return a->type() == onnx::AttributeProto::INT ? static_cast<float>(a->i()) : a->f();
}

std::string NodeContext::getString(StringRef name, StringRef dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : dflt.str();
}

std::optional<SmallVector<int64_t>> NodeContext::getInts(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

InFlightDiagnostic NodeContext::error() const {
  if (importer.status == OnnxImportStatus::Ok)
    importer.status = OnnxImportStatus::Invalid;
  InFlightDiagnostic diag = emitError(loc);
  diag << "node '" << node.name() << "' (" << node.op_type() << ", domain '"
       << (domainName.empty() ? "ai.onnx" : domainName) << "', opset " << opset << "): ";
  return diag;
}

InFlightDiagnostic NodeContext::unsupported() const {
  InFlightDiagnostic diag = error();
  importer.status = OnnxImportStatus::Unsupported;
  return diag;
}

FailureOr<Value> NodeContext::required(size_t i, StringRef what) const {
  if (!hasInput(i)) {
    error() << "input #" << i << " (" << what << ") is required";
    return failure();
  }
  return input(i);
}

FailureOr<SmallVector<Value>> NodeContext::presentInputs() const {
  SmallVector<Value> present;
  for (Value v : inputs)
    if (v)
      present.push_back(v);
  if (present.empty()) {
    error() << "needs at least one input";
    return failure();
  }
  return present;
}

FailureOr<int64_t> NodeContext::axis(int64_t value, int64_t rank) const {
  if (value < -rank || value >= std::max<int64_t>(rank, 1)) {
    error() << "axis " << value << " is out of range for rank " << rank;
    return failure();
  }
  return value < 0 ? value + rank : value;
}

Value NodeContext::scalar(Type type, double value) const {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
  if (isa<IndexType>(type))
    return arith::ConstantIndexOp::create(b, loc, static_cast<int64_t>(value));
  return arith::ConstantOp::create(b, loc, type,
                                   b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value NodeContext::dim(Value tensor, int64_t d) const {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(d))
    return arith::ConstantIndexOp::create(b, loc, type.getDimSize(d));
  return tensor::DimOp::create(b, loc, tensor, d);
}

SmallVector<OpFoldResult> NodeContext::sizes(Value tensor) const {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<OpFoldResult> result;
  for (int64_t d = 0; d < type.getRank(); ++d)
    result.push_back(type.isDynamicDim(d) ? OpFoldResult(dim(tensor, d))
                                          : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
  return result;
}

void NodeContext::check(Value condition, Value x, Value y, StringRef message) const {
  auto toI64 = [&](Value v) -> Value {
    if (v.getType().isInteger(64))
      return v;
    if (isa<IndexType>(v.getType()))
      return arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
    return arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
  };
  std::string text =
      ("node '" + node.name() + "' (" + node.op_type() + "): " + message.str()).c_str();
  ssmrt::CheckOp::create(b, loc, importer.env, condition, toI64(x), toI64(y), text);
}

//===----------------------------------------------------------------------===//
// Symbolic integers
//===----------------------------------------------------------------------===//

namespace {

/// Two's complement arithmetic, as the index ops it folds wrap at run time: the shapes of a
/// hostile model may overflow, and folding them must not be undefined behaviour.
int64_t wrapping(uint64_t value) { return static_cast<int64_t>(value); }
int64_t wrappingAdd(int64_t x, int64_t y) {
  return wrapping(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
}
int64_t wrappingSub(int64_t x, int64_t y) {
  return wrapping(static_cast<uint64_t>(x) - static_cast<uint64_t>(y));
}
int64_t wrappingMul(int64_t x, int64_t y) {
  return wrapping(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
}

/// A constant `index` value for a known SymInt, or its value.
Value toIndex(OpBuilder &b, Location loc, const SymInt &v) {
  if (v.isConstant())
    return arith::ConstantIndexOp::create(b, loc, *v.constant);
  return v.value;
}

} // namespace

Value ssmc::onnx_import::indexValue(OpBuilder &b, Location loc, const SymInt &value) {
  return toIndex(b, loc, value);
}

OpFoldResult ssmc::onnx_import::toFoldResult(OpBuilder &b, const SymInt &value) {
  if (value.isConstant())
    return b.getIndexAttr(*value.constant);
  return value.value;
}

SymInt ssmc::onnx_import::symAdd(OpBuilder &b, Location loc, SymInt x, SymInt y) {
  if (x.isConstant() && y.isConstant())
    return SymInt::of(wrappingAdd(*x.constant, *y.constant));
  if (x.isConstant() && *x.constant == 0)
    return y;
  if (y.isConstant() && *y.constant == 0)
    return x;
  return SymInt::of(arith::AddIOp::create(b, loc, toIndex(b, loc, x), toIndex(b, loc, y)));
}

SymInt ssmc::onnx_import::symSub(OpBuilder &b, Location loc, SymInt x, SymInt y) {
  if (x.isConstant() && y.isConstant())
    return SymInt::of(wrappingSub(*x.constant, *y.constant));
  if (y.isConstant() && *y.constant == 0)
    return x;
  return SymInt::of(arith::SubIOp::create(b, loc, toIndex(b, loc, x), toIndex(b, loc, y)));
}

SymInt ssmc::onnx_import::symMul(OpBuilder &b, Location loc, SymInt x, SymInt y) {
  if (x.isConstant() && y.isConstant())
    return SymInt::of(wrappingMul(*x.constant, *y.constant));
  if (x.isConstant() && *x.constant == 1)
    return y;
  if (y.isConstant() && *y.constant == 1)
    return x;
  return SymInt::of(arith::MulIOp::create(b, loc, toIndex(b, loc, x), toIndex(b, loc, y)));
}

SymInt ssmc::onnx_import::symFloorDiv(OpBuilder &b, Location loc, SymInt x, SymInt y) {
  if (x.isConstant() && y.isConstant() && *y.constant == -1)
    return SymInt::of(wrappingSub(0, *x.constant)); // INT64_MIN / -1 would trap
  if (x.isConstant() && y.isConstant() && *y.constant != 0) {
    int64_t q = *x.constant / *y.constant;
    if ((*x.constant % *y.constant != 0) && ((*x.constant < 0) != (*y.constant < 0)))
      --q;
    return SymInt::of(q);
  }
  if (y.isConstant() && *y.constant == 1)
    return x;
  return SymInt::of(arith::FloorDivSIOp::create(b, loc, toIndex(b, loc, x), toIndex(b, loc, y)));
}

SymInt ssmc::onnx_import::symMin(OpBuilder &b, Location loc, SymInt x, SymInt y) {
  if (x.isConstant() && y.isConstant())
    return SymInt::of(std::min(*x.constant, *y.constant));
  return SymInt::of(arith::MinSIOp::create(b, loc, toIndex(b, loc, x), toIndex(b, loc, y)));
}

SymInt ssmc::onnx_import::symMax(OpBuilder &b, Location loc, SymInt x, SymInt y) {
  if (x.isConstant() && y.isConstant())
    return SymInt::of(std::max(*x.constant, *y.constant));
  return SymInt::of(arith::MaxSIOp::create(b, loc, toIndex(b, loc, x), toIndex(b, loc, y)));
}

SymInt ssmc::onnx_import::symSelect(OpBuilder &b, Location loc, SymInt c, SymInt x, SymInt y) {
  if (c.isConstant())
    return *c.constant != 0 ? x : y;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value cond = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, c.value, zero);
  return SymInt::of(arith::SelectOp::create(b, loc, cond, toIndex(b, loc, x), toIndex(b, loc, y)));
}

SymInt ssmc::onnx_import::symDim(OpBuilder &b, Location loc, Value tensor, int64_t d) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(d))
    return SymInt::of(type.getDimSize(d));
  return SymInt::of(tensor::DimOp::create(b, loc, tensor, d));
}

std::optional<SmallVector<SymInt>> Importer::symbolic(Value value) {
  auto it = symbols.find(value);
  if (it != symbols.end())
    return it->second;
  DenseElementsAttr dense;
  if (!matchPattern(value, m_Constant(&dense)) || !isa<IntegerType>(dense.getElementType()))
    return std::nullopt;
  if (dense.getNumElements() > 1024)
    return std::nullopt;
  SmallVector<SymInt> result;
  bool isBool = dense.getElementType().isInteger(1);
  for (APInt v : dense.getValues<APInt>())
    result.push_back(
        SymInt::of(isBool ? static_cast<int64_t>(v.getZExtValue()) : v.getSExtValue()));
  return result;
}

std::optional<SmallVector<int64_t>> Importer::constantInts(Value value) {
  std::optional<SmallVector<SymInt>> values = symbolic(value);
  if (!values)
    return std::nullopt;
  SmallVector<int64_t> result;
  for (const SymInt &v : *values) {
    if (!v.isConstant())
      return std::nullopt;
    result.push_back(*v.constant);
  }
  return result;
}

FailureOr<SmallVector<SymInt>> Importer::ints(NodeContext &ctx, Value value, StringRef what) {
  if (std::optional<SmallVector<SymInt>> known = symbolic(value))
    return *known;
  auto type = cast<RankedTensorType>(value.getType());
  if (!isa<IntegerType>(type.getElementType()) || type.getRank() > 1 || !type.hasStaticShape() ||
      type.getNumElements() > 1024) {
    ctx.error() << what << " must be a 0-D or 1-D integer tensor of a known size, got " << type;
    return failure();
  }
  SmallVector<SymInt> result;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    SmallVector<Value> indices;
    if (type.getRank() == 1)
      indices.push_back(arith::ConstantIndexOp::create(ctx.b, ctx.loc, i));
    Value element = tensor::ExtractOp::create(ctx.b, ctx.loc, value, indices);
    if (element.getType().isInteger(1))
      element = arith::ExtUIOp::create(ctx.b, ctx.loc, ctx.b.getI64Type(), element);
    result.push_back(
        SymInt::of(arith::IndexCastOp::create(ctx.b, ctx.loc, ctx.b.getIndexType(), element)));
  }
  symbols[value] = result;
  return result;
}

Value Importer::materialize(OpBuilder &b, Location loc, ArrayRef<SymInt> values,
                            RankedTensorType type) {
  Type element = type.getElementType();
  Value result;
  if (llvm::all_of(values, [](const SymInt &v) { return v.isConstant(); })) {
    SmallVector<APInt> data;
    for (const SymInt &v : values)
      data.push_back(APInt(element.getIntOrFloatBitWidth(), *v.constant, /*isSigned=*/true,
                           /*implicitTrunc=*/true));
    result = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, data));
  } else {
    SmallVector<Value> elements;
    for (const SymInt &v : values) {
      Value index = toIndex(b, loc, v);
      elements.push_back(
          element.isInteger(1)
              ? Value(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, index,
                                            arith::ConstantIndexOp::create(b, loc, 0)))
              : Value(arith::IndexCastOp::create(b, loc, element, index)));
    }
    result = tensor::FromElementsOp::create(b, loc, type, elements);
  }
  symbols[result] = SmallVector<SymInt>(values);
  return result;
}

//===----------------------------------------------------------------------===//
// Shared builders
//===----------------------------------------------------------------------===//

RankedTensorType ssmc::onnx_import::tensorType(ArrayRef<OpFoldResult> sizes, Type elementType) {
  SmallVector<int64_t> shape;
  for (OpFoldResult size : sizes) {
    std::optional<int64_t> c = getConstantIntValue(size);
    shape.push_back(c ? *c : ShapedType::kDynamic);
  }
  return RankedTensorType::get(shape, elementType);
}

Value ssmc::onnx_import::emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                                     Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value ssmc::onnx_import::filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                                      Value value) {
  Value empty = emptyTensor(b, loc, sizes, value.getType());
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

Value ssmc::onnx_import::buildGeneric(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                                      Type elementType, ValueRange inputs, ArrayRef<AffineMap> maps,
                                      const BodyFn &body) {
  Value init = emptyTensor(b, loc, sizes, elementType);
  SmallVector<AffineMap> all(maps);
  all.push_back(AffineMap::getMultiDimIdentityMap(sizes.size(), b.getContext()));
  SmallVector<utils::IteratorType> iterators(sizes.size(), utils::IteratorType::parallel);
  auto generic =
      linalg::GenericOp::create(b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, all,
                                iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
                                  Value result = body(nb, nloc, args.drop_back());
                                  linalg::YieldOp::create(nb, nloc, result);
                                });
  return generic.getResult(0);
}

Value ssmc::onnx_import::buildReduction(OpBuilder &b, Location loc,
                                        ArrayRef<OpFoldResult> loopSizes, ArrayRef<bool> reduced,
                                        Value init, ValueRange inputs, ArrayRef<AffineMap> maps,
                                        const BodyFn &body) {
  SmallVector<AffineExpr> kept;
  SmallVector<utils::IteratorType> iterators;
  for (auto [d, r] : llvm::enumerate(reduced)) {
    if (!r)
      kept.push_back(b.getAffineDimExpr(d));
    iterators.push_back(r ? utils::IteratorType::reduction : utils::IteratorType::parallel);
  }
  SmallVector<AffineMap> all(maps);
  all.push_back(AffineMap::get(loopSizes.size(), 0, kept, b.getContext()));
  auto generic =
      linalg::GenericOp::create(b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, all,
                                iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
                                  linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
                                });
  return generic.getResult(0);
}

Value ssmc::onnx_import::castScalar(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat) {
    if (fromFloat.getWidth() < toFloat.getWidth() ||
        (fromFloat.getWidth() == toFloat.getWidth() && from.isBF16()))
      return arith::ExtFOp::create(b, loc, to, value);
    if (fromFloat.getWidth() == toFloat.getWidth()) // f16 -> bf16
      return arith::TruncFOp::create(b, loc, to,
                                     arith::ExtFOp::create(b, loc, b.getF32Type(), value));
    return arith::TruncFOp::create(b, loc, to, value);
  }
  if (fromFloat) {
    if (to.isInteger(1))
      return arith::CmpFOp::create(
          b, loc, arith::CmpFPredicate::UNE, value,
          arith::ConstantOp::create(b, loc, from, b.getFloatAttr(from, 0)));
    return arith::FPToSIOp::create(b, loc, to, value);
  }
  if (toFloat) {
    if (from.isInteger(1))
      return arith::UIToFPOp::create(b, loc, to, value);
    return arith::SIToFPOp::create(b, loc, to, value);
  }
  unsigned fromWidth = from.getIntOrFloatBitWidth(), toWidth = to.getIntOrFloatBitWidth();
  if (to.isInteger(1))
    return arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne, value,
        arith::ConstantOp::create(b, loc, from, b.getIntegerAttr(from, 0)));
  if (fromWidth < toWidth)
    return from.isInteger(1) ? Value(arith::ExtUIOp::create(b, loc, to, value))
                             : Value(arith::ExtSIOp::create(b, loc, to, value));
  return arith::TruncIOp::create(b, loc, to, value);
}

Value ssmc::onnx_import::castTensor(OpBuilder &b, Location loc, Value tensor, Type to) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getElementType() == to)
    return tensor;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(type.isDynamicDim(d)
                        ? OpFoldResult(tensor::DimOp::create(b, loc, tensor, d).getResult())
                        : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
  AffineMap identity = AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext());
  return buildGeneric(b, loc, sizes, to, tensor, identity,
                      [&](OpBuilder &nb, Location nloc, ValueRange args) {
                        return castScalar(nb, nloc, args[0], to);
                      });
}

FailureOr<Broadcast> ssmc::onnx_import::broadcast(NodeContext &ctx, ValueRange inputs) {
  OpBuilder &b = ctx.b;
  int64_t rank = 0;
  for (Value input : inputs)
    rank = std::max(rank, cast<RankedTensorType>(input.getType()).getRank());
  Broadcast result;
  result.sizes.assign(rank, b.getIndexAttr(1));
  // The result's size in each dimension: a static size other than 1 wins; among dynamic
  // sizes (each 1 or the result's size), the largest.
  for (int64_t d = 0; d < rank; ++d) {
    std::optional<int64_t> fixed;
    SmallVector<Value> dynamic;
    for (Value input : inputs) {
      auto type = cast<RankedTensorType>(input.getType());
      int64_t id = d - (rank - type.getRank());
      if (id < 0)
        continue;
      if (type.isDynamicDim(id)) {
        dynamic.push_back(ctx.dim(input, id));
        continue;
      }
      int64_t size = type.getDimSize(id);
      if (size == 1)
        continue;
      if (fixed && *fixed != size) {
        ctx.error() << "the inputs cannot be broadcast: dimension " << d << " is " << *fixed
                    << " in one input and " << size << " in another";
        return failure();
      }
      fixed = size;
    }
    if (fixed) {
      result.sizes[d] = b.getIndexAttr(*fixed);
    } else if (!dynamic.empty()) {
      Value size = dynamic.front();
      for (Value other : llvm::drop_begin(dynamic))
        size = arith::MaxSIOp::create(b, ctx.loc, size, other);
      result.sizes[d] = size;
    }
  }
  for (Value input : inputs) {
    auto type = cast<RankedTensorType>(input.getType());
    SmallVector<AffineExpr> exprs;
    for (int64_t id = 0; id < type.getRank(); ++id) {
      int64_t d = id + rank - type.getRank();
      if (!type.isDynamicDim(id) && type.getDimSize(id) == 1 &&
          getConstantIntValue(result.sizes[d]) != 1) {
        exprs.push_back(b.getAffineConstantExpr(0));
        continue;
      }
      exprs.push_back(b.getAffineDimExpr(d));
      if (type.isDynamicDim(id)) {
        // A dynamic dimension of 1 broadcast against a larger one is not supported: the run
        // fails instead of reading out of bounds.
        Value size = ctx.dim(input, id);
        Value total = getValueOrCreateConstantIndexOp(b, ctx.loc, result.sizes[d]);
        if (size != total)
          ctx.check(arith::CmpIOp::create(b, ctx.loc, arith::CmpIPredicate::eq, size, total), size,
                    total,
                    "a dynamic dimension of an input differs from the broadcast result's "
                    "(broadcasting a dynamic dimension of size 1 is not supported)");
      }
    }
    result.maps.push_back(AffineMap::get(rank, 0, exprs, b.getContext()));
  }
  return result;
}

FailureOr<Value> ssmc::onnx_import::elementwise(NodeContext &ctx, ValueRange inputs,
                                                Type resultElement, const BodyFn &body) {
  FailureOr<Broadcast> shape = broadcast(ctx, inputs);
  if (failed(shape))
    return failure();
  return buildGeneric(ctx.b, ctx.loc, shape->sizes, resultElement, inputs, shape->maps, body);
}

//===----------------------------------------------------------------------===//
// Model loading and graph import
//===----------------------------------------------------------------------===//

namespace {

/// The registered emitters, by domain and op type.
const std::map<std::pair<std::string, std::string>, const OpEntry *> &registry() {
  static const auto *table = [] {
    auto *map = new std::map<std::pair<std::string, std::string>, const OpEntry *>();
    for (ArrayRef<OpEntry> group :
         {elementwiseOps(), tensorOps(), linalgOps(), sequenceModelOps(), contribOps()})
      for (const OpEntry &entry : group)
        (*map)[{entry.info.domain.str(), entry.info.opType.str()}] = &entry;
    return map;
  }();
  return *table;
}

std::string normalizeDomain(const std::string &domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

FailureOr<Type> elementTypeOf(MLIRContext *ctx, int32_t onnxType) {
  Builder b(ctx);
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::BOOL:
    return b.getIntegerType(1);
  default:
    return failure();
  }
}

const char *onnxTypeName(int32_t onnxType) {
  if (onnx::TensorProto::DataType_IsValid(onnxType))
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(onnxType))
        .c_str();
  return "an unknown type";
}

/// Imports one model.
class ModelImporter {
public:
  ModelImporter(MLIRContext *context, StringRef path, OnnxImportStatus &status)
      : ctx(context), path(path.str()), importer(context, status), status(status) {}

  OwningOpRef<ModuleOp> run(StringRef data, OnnxFormat format, const OnnxImportOptions &options);

private:
  MLIRContext *ctx;
  std::string path;
  Importer importer;
  OnnxImportStatus &status;
  onnx::ModelProto model;
  std::map<std::string, int64_t> opsets;
  std::map<std::pair<std::string, std::string>, const onnx::FunctionProto *> functions;

  InFlightDiagnostic fail(Location loc, OnnxImportStatus why = OnnxImportStatus::Invalid) {
    status = why;
    return emitError(loc);
  }
  Location fileLoc() { return FileLineColLoc::get(ctx, path, 0, 0); }

  LogicalResult load(StringRef data, OnnxFormat format);
  FailureOr<RankedTensorType> valueType(const onnx::ValueInfoProto &info);
  FailureOr<DenseElementsAttr> tensorAttr(const onnx::TensorProto &tensor, Location loc);
  FailureOr<std::string> externalData(const onnx::TensorProto &tensor, Location loc);
  LogicalResult importNodes(const google::protobuf::RepeatedPtrField<onnx::NodeProto> &nodes,
                            llvm::StringMap<Value> &scope,
                            const std::map<std::string, int64_t> &scopeOpsets, int depth);
  LogicalResult importNode(const onnx::NodeProto &node, llvm::StringMap<Value> &scope,
                           const std::map<std::string, int64_t> &scopeOpsets, int depth, int index);
  LogicalResult inlineFunction(const onnx::FunctionProto &function, const onnx::NodeProto &node,
                               ArrayRef<Value> inputs, llvm::StringMap<Value> &scope, int depth,
                               Location loc);
};

LogicalResult ModelImporter::load(StringRef data, OnnxFormat format) {
  if (format == OnnxFormat::Text) {
    std::string error;
    if (!ssmc::parseOnnxText(std::string_view(data.data(), data.size()), model, error)) {
      fail(fileLoc()) << "'" << path << "' is not valid ONNX text: " << error;
      return failure();
    }
  } else if (data.size() > static_cast<size_t>(INT32_MAX) ||
             !model.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    fail(fileLoc()) << "'" << path
                    << "' is not a valid ONNX model (the protobuf does not parse: a truncated "
                       "or corrupt file?)";
    return failure();
  }
  if (!model.has_graph()) {
    fail(fileLoc()) << "'" << path << "' has no graph";
    return failure();
  }
  for (const onnx::OperatorSetIdProto &opset : model.opset_import())
    opsets[normalizeDomain(opset.domain())] = opset.version();
  for (const onnx::FunctionProto &function : model.functions())
    functions[{normalizeDomain(function.domain()), function.name()}] = &function;
  return success();
}

FailureOr<RankedTensorType> ModelImporter::valueType(const onnx::ValueInfoProto &info) {
  Location loc = NameLoc::get(StringAttr::get(ctx, info.name()), fileLoc());
  if (!info.type().has_tensor_type()) {
    fail(loc, OnnxImportStatus::Unsupported)
        << "graph value '" << info.name() << "' is not a tensor (sequences, maps and optional "
        << "values are not supported)";
    return failure();
  }
  const onnx::TypeProto::Tensor &tensor = info.type().tensor_type();
  FailureOr<Type> element = elementTypeOf(ctx, tensor.elem_type());
  if (failed(element)) {
    fail(loc, OnnxImportStatus::Unsupported)
        << "graph value '" << info.name() << "' has element type "
        << onnxTypeName(tensor.elem_type()) << ", which is not supported";
    return failure();
  }
  if (!tensor.has_shape()) {
    fail(loc, OnnxImportStatus::Unsupported)
        << "graph value '" << info.name() << "' has no shape; the importer needs its rank";
    return failure();
  }
  SmallVector<int64_t> shape;
  // No input of the type could exist if its sizes, zeros counted as ones, did not multiply to
  // less than 2^63; and element counts are int64 everywhere after this.
  int64_t bound = 1;
  bool overflows = false;
  for (const onnx::TensorShapeProto::Dimension &dim : tensor.shape().dim()) {
    if (!dim.has_dim_value() || dim.dim_value() < 0) {
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    int64_t size = dim.dim_value();
    overflows |= size > 1 && bound > INT64_MAX / size;
    if (!overflows)
      bound *= std::max<int64_t>(size, 1);
    shape.push_back(size);
  }
  if (overflows) {
    auto diag = fail(loc) << "graph value '" << info.name() << "' has shape [";
    llvm::interleaveComma(shape, diag, [&](int64_t size) {
      if (ShapedType::isDynamic(size))
        diag << "?";
      else
        diag << size;
    });
    diag << "], whose sizes multiply past 2^63";
    return failure();
  }
  return RankedTensorType::get(shape, *element);
}

FailureOr<std::string> ModelImporter::externalData(const onnx::TensorProto &tensor, Location loc) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" || entry.key() == "length") {
      long long value = 0;
      if (StringRef(entry.value()).getAsInteger(10, value) || value < 0) {
        fail(loc) << "tensor '" << tensor.name() << "': external data " << entry.key() << " '"
                  << entry.value() << "' is not a non-negative integer";
        return failure();
      }
      (entry.key() == "offset" ? offset : length) = value;
    }
  }
  if (location.empty() || llvm::sys::path::is_absolute(location) ||
      llvm::is_contained(
          llvm::make_range(llvm::sys::path::begin(location), llvm::sys::path::end(location)),
          "..")) {
    fail(loc) << "tensor '" << tensor.name() << "': external data location '" << location
              << "' must be a path relative to the model's folder, without '..'";
    return failure();
  }
  SmallString<256> file(llvm::sys::path::parent_path(path));
  llvm::sys::path::append(file, location);
  uint64_t fileSize = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(file, fileSize)) {
    fail(loc) << "tensor '" << tensor.name() << "': cannot open its external data '" << file
              << "': " << ec.message();
    return failure();
  }
  // offset and length are each at most INT64_MAX: compare without adding them.
  uint64_t start = static_cast<uint64_t>(offset);
  if (start > fileSize || (length >= 0 && static_cast<uint64_t>(length) > fileSize - start)) {
    auto diag = fail(loc) << "tensor '" << tensor.name() << "': external data '" << file
                          << "' holds " << fileSize << " bytes; the tensor needs ";
    if (length >= 0)
      diag << length << " bytes at offset " << offset;
    else
      diag << "the bytes from offset " << offset;
    return failure();
  }
  if (length < 0)
    length = static_cast<int64_t>(fileSize - start);
  auto slice = llvm::MemoryBuffer::getFileSlice(file, length, offset);
  if (!slice) {
    fail(loc) << "tensor '" << tensor.name() << "': cannot read '" << file
              << "': " << slice.getError().message();
    return failure();
  }
  return (*slice)->getBuffer().str();
}

FailureOr<DenseElementsAttr> ModelImporter::tensorAttr(const onnx::TensorProto &tensor,
                                                       Location loc) {
  FailureOr<Type> element = elementTypeOf(ctx, tensor.data_type());
  if (failed(element)) {
    fail(loc, OnnxImportStatus::Unsupported)
        << "tensor '" << tensor.name() << "' has element type " << onnxTypeName(tensor.data_type())
        << ", which is not supported";
    return failure();
  }
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0 || (d > 0 && count > INT64_MAX / d)) {
      fail(loc) << "tensor '" << tensor.name() << "' has an invalid dimension " << d;
      return failure();
    }
    shape.push_back(d);
    count *= d;
  }
  auto type = RankedTensorType::get(shape, *element);
  unsigned bits = element->getIntOrFloatBitWidth();
  size_t elementBytes = bits == 1 ? 1 : bits / 8;

  std::string external;
  const std::string *raw = nullptr;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    FailureOr<std::string> data = externalData(tensor, loc);
    if (failed(data))
      return failure();
    external = std::move(*data);
    raw = &external;
  } else if (tensor.has_raw_data()) {
    raw = &tensor.raw_data();
  }
  if (raw) {
    // count * elementBytes may not fit: compare the element counts instead.
    if (raw->size() % elementBytes != 0 ||
        raw->size() / elementBytes != static_cast<uint64_t>(count)) {
      fail(loc) << "tensor '" << tensor.name() << "' has " << raw->size()
                << " bytes of data; its shape " << type << " needs " << count << " elements of "
                << elementBytes << (elementBytes == 1 ? " byte" : " bytes");
      return failure();
    }
    if (bits == 1) {
      SmallVector<bool> values;
      for (char c : *raw)
        values.push_back(c != 0);
      return DenseElementsAttr::get(type, values);
    }
    return DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(raw->data(), raw->size()));
  }

  auto sizeMismatch = [&](int64_t have) {
    fail(loc) << "tensor '" << tensor.name() << "' has " << have << " values; its shape " << type
              << " needs " << count;
    return failure();
  };
  if (element->isF32()) {
    if (tensor.float_data_size() != count)
      return sizeMismatch(tensor.float_data_size());
    return DenseElementsAttr::get(
        type, ArrayRef<float>(tensor.float_data().data(), tensor.float_data_size()));
  }
  if (element->isF64()) {
    if (tensor.double_data_size() != count)
      return sizeMismatch(tensor.double_data_size());
    return DenseElementsAttr::get(
        type, ArrayRef<double>(tensor.double_data().data(), tensor.double_data_size()));
  }
  if (element->isInteger(64)) {
    if (tensor.int64_data_size() != count)
      return sizeMismatch(tensor.int64_data_size());
    return DenseElementsAttr::get(
        type, ArrayRef<int64_t>(tensor.int64_data().data(), tensor.int64_data_size()));
  }
  // int32 holds every narrower type: integers by value, f16 and bf16 as bit patterns.
  if (tensor.int32_data_size() != count)
    return sizeMismatch(tensor.int32_data_size());
  if (element->isInteger(1)) {
    SmallVector<bool> values;
    for (int32_t v : tensor.int32_data())
      values.push_back(v != 0);
    return DenseElementsAttr::get(type, values);
  }
  SmallVector<APInt> values;
  for (int32_t v : tensor.int32_data())
    values.push_back(APInt(bits, static_cast<uint64_t>(static_cast<int64_t>(v)),
                           /*isSigned=*/false, /*implicitTrunc=*/true));
  if (isa<FloatType>(*element)) {
    SmallVector<APFloat> floats;
    for (const APInt &v : values)
      floats.push_back(APFloat(cast<FloatType>(*element).getFloatSemantics(), v));
    return DenseElementsAttr::get(type, floats);
  }
  return DenseElementsAttr::get(type, values);
}

/// A copy of `node` whose attribute references (`ref_attr_name`, in function bodies) are
/// replaced by the calling node's attributes; references the caller does not set are dropped
/// (libonnx 1.12 cannot read the defaults that IR version 9 added to functions).
onnx::NodeProto resolveAttributes(const onnx::NodeProto &node, const onnx::NodeProto &caller) {
  onnx::NodeProto resolved = node;
  resolved.clear_attribute();
  for (const onnx::AttributeProto &attribute : node.attribute()) {
    if (attribute.ref_attr_name().empty()) {
      *resolved.add_attribute() = attribute;
      continue;
    }
    const onnx::AttributeProto *value = nullptr;
    for (const onnx::AttributeProto &given : caller.attribute())
      if (given.name() == attribute.ref_attr_name())
        value = &given;
    if (!value)
      continue;
    onnx::AttributeProto *copy = resolved.add_attribute();
    *copy = *value;
    copy->set_name(attribute.name());
  }
  return resolved;
}

LogicalResult ModelImporter::inlineFunction(const onnx::FunctionProto &function,
                                            const onnx::NodeProto &node, ArrayRef<Value> inputs,
                                            llvm::StringMap<Value> &scope, int depth,
                                            Location loc) {
  if (depth > 32) {
    fail(loc) << "node '" << node.name() << "' (" << node.op_type()
              << "): functions nest more than 32 deep (a recursive function?)";
    return failure();
  }
  llvm::StringMap<Value> inner;
  for (auto [i, name] : llvm::enumerate(function.input()))
    if (i < inputs.size() && inputs[i])
      inner[name] = inputs[i];
  std::map<std::string, int64_t> innerOpsets = opsets;
  for (const onnx::OperatorSetIdProto &opset : function.opset_import())
    innerOpsets[normalizeDomain(opset.domain())] = opset.version();
  onnx::FunctionProto resolvedBody;
  for (const onnx::NodeProto &bodyNode : function.node())
    *resolvedBody.add_node() = resolveAttributes(bodyNode, node);
  if (failed(importNodes(resolvedBody.node(), inner, innerOpsets, depth + 1)))
    return failure();
  for (auto [i, name] : llvm::enumerate(function.output())) {
    if (i >= static_cast<size_t>(node.output_size()) || node.output(i).empty())
      continue;
    auto it = inner.find(name);
    if (it == inner.end()) {
      fail(loc) << "node '" << node.name() << "' (" << node.op_type() << "): function '"
                << function.name() << "' does not compute its output '" << name << "'";
      return failure();
    }
    scope[node.output(i)] = it->second;
  }
  return success();
}

LogicalResult ModelImporter::importNode(const onnx::NodeProto &node, llvm::StringMap<Value> &scope,
                                        const std::map<std::string, int64_t> &scopeOpsets,
                                        int depth, int index) {
  std::string domain = normalizeDomain(node.domain());
  std::string label =
      node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
  Location loc = NameLoc::get(StringAttr::get(ctx, label), fileLoc());
  SmallVector<Value> inputs;
  for (const std::string &name : node.input()) {
    if (name.empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    auto it = scope.find(name);
    if (it == scope.end()) {
      fail(loc) << "node '" << label << "' (" << node.op_type() << "): input '" << name
                << "' is not defined before it (the graph must be in topological order)";
      return failure();
    }
    inputs.push_back(it->second);
  }
  for (const onnx::AttributeProto &attribute : node.attribute()) {
    if (attribute.type() == onnx::AttributeProto::GRAPH ||
        attribute.type() == onnx::AttributeProto::GRAPHS) {
      fail(loc, OnnxImportStatus::Unsupported)
          << "node '" << label << "' (" << node.op_type() << "): attribute '" << attribute.name()
          << "' is a subgraph; control flow (If, Loop, Scan) is not "
          << "supported";
      return failure();
    }
  }

  auto opset = scopeOpsets.find(domain);
  if (auto function = functions.find({domain, node.op_type()}); function != functions.end())
    return inlineFunction(*function->second, node, inputs, scope, depth, loc);
  auto entry = registry().find({domain, node.op_type()});
  if (entry == registry().end()) {
    fail(loc, OnnxImportStatus::Unsupported)
        << "node '" << label << "' (" << node.op_type() << ", domain '"
        << (domain.empty() ? "ai.onnx" : domain) << "'): the op is not supported (see "
        << "docs/SupportedONNXOps.md)";
    return failure();
  }
  if (opset == scopeOpsets.end()) {
    fail(loc) << "node '" << label << "' (" << node.op_type() << "): the model does not "
              << "import the opset of domain '" << (domain.empty() ? "ai.onnx" : domain) << "'";
    return failure();
  }
  if (opset->second < entry->second->info.sinceOpset) {
    fail(loc, OnnxImportStatus::Unsupported)
        << "node '" << label << "' (" << node.op_type() << "): opset " << opset->second
        << " is not supported; the importer reads this op from opset "
        << entry->second->info.sinceOpset;
    return failure();
  }
  for (auto [i, value] : llvm::enumerate(inputs)) {
    if (value && !isa<RankedTensorType>(value.getType())) {
      fail(loc) << "node '" << label << "': input #" << i << " is not a ranked tensor";
      return failure();
    }
  }
  onnx::NodeProto named = node;
  named.set_name(label);
  NodeContext context(importer, named, opset->second, domain, loc, inputs);
  SmallVector<Value> results;
  if (failed(entry->second->emit(context, results)))
    return failure();
  for (auto [i, name] : llvm::enumerate(node.output())) {
    if (name.empty())
      continue;
    if (i >= results.size() || !results[i]) {
      context.unsupported() << "output #" << i << " ('" << name << "') is not supported";
      return failure();
    }
    scope[name] = results[i];
  }
  return success();
}

LogicalResult
ModelImporter::importNodes(const google::protobuf::RepeatedPtrField<onnx::NodeProto> &nodes,
                           llvm::StringMap<Value> &scope,
                           const std::map<std::string, int64_t> &scopeOpsets, int depth) {
  for (auto [index, node] : llvm::enumerate(nodes))
    if (failed(importNode(node, scope, scopeOpsets, depth, static_cast<int>(index))))
      return failure();
  return success();
}

OwningOpRef<ModuleOp> ModelImporter::run(StringRef data, OnnxFormat format,
                                         const OnnxImportOptions &options) {
  if (failed(load(data, format)))
    return nullptr;
  const onnx::GraphProto &graph = model.graph();
  OpBuilder &b = importer.builder;
  importer.tensorAttr = [this](const onnx::TensorProto &tensor, Location loc) {
    return tensorAttr(tensor, loc);
  };
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc());
  b.setInsertionPointToEnd(module->getBody());

  // Graph inputs that are also initializers (IR version < 4) are constants.
  llvm::StringSet<> initialized;
  for (const onnx::TensorProto &tensor : graph.initializer())
    initialized.insert(tensor.name());
  SmallVector<Type> argTypes{LLVM::LLVMPointerType::get(ctx)};
  SmallVector<std::string> argNames;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initialized.contains(input.name()))
      continue;
    FailureOr<RankedTensorType> type = valueType(input);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
    argNames.push_back(input.name());
  }
  auto func = func::FuncOp::create(b, fileLoc(), options.entry, b.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  importer.env = body->getArgument(0);
  llvm::StringMap<Value> scope;
  for (auto [i, name] : llvm::enumerate(argNames)) {
    scope[name] = body->getArgument(i + 1);
    func.setArgAttr(i + 1, "ssm.name", b.getStringAttr(name));
  }
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    Location loc = NameLoc::get(StringAttr::get(ctx, tensor.name()), fileLoc());
    FailureOr<DenseElementsAttr> value = tensorAttr(tensor, loc);
    if (failed(value))
      return nullptr;
    scope[tensor.name()] = arith::ConstantOp::create(b, loc, *value);
  }
  if (!graph.sparse_initializer().empty()) {
    fail(fileLoc(), OnnxImportStatus::Unsupported) << "sparse initializers are not supported";
    return nullptr;
  }
  if (failed(importNodes(graph.node(), scope, opsets, 0)))
    return nullptr;

  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto it = scope.find(output.name());
    if (it == scope.end()) {
      fail(fileLoc()) << "graph output '" << output.name() << "' is not computed by any node";
      return nullptr;
    }
    results.push_back(it->second);
  }
  func::ReturnOp::create(b, fileLoc(), results);
  func.setType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "ssm.name", b.getStringAttr(output.name()));
  if (failed(verify(*module))) {
    status = OnnxImportStatus::Invalid;
    return nullptr;
  }
  // Shape arithmetic the SymInts did not fold (and their dead leftovers) folds here, so that
  // --emit=mlir shows what the model computes.
  PassManager pm(ctx);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  if (failed(pm.run(*module))) {
    status = OnnxImportStatus::Invalid;
    return nullptr;
  }
  return module;
}

} // namespace

OwningOpRef<ModuleOp> ssmc::importOnnx(MLIRContext *context, StringRef bytes, OnnxFormat format,
                                       StringRef path, const OnnxImportOptions &options,
                                       OnnxImportStatus &status) {
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  context->loadDialect<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                       math::MathDialect, scf::SCFDialect, tensor::TensorDialect, LLVM::LLVMDialect,
                       ssm::SSMDialect, lm::LMDialect, ssmrt::SSMRTDialect>();
  status = OnnxImportStatus::Ok;
  ModelImporter importer(context, path, status);
  OwningOpRef<ModuleOp> module = importer.run(bytes, format, options);
  if (!module && status == OnnxImportStatus::Ok)
    status = OnnxImportStatus::Invalid;
  return module;
}

OwningOpRef<ModuleOp> ssmc::importOnnxFile(MLIRContext *context, StringRef path,
                                           const OnnxImportOptions &options,
                                           OnnxImportStatus &status) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!file) {
    status = OnnxImportStatus::Invalid;
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << "cannot read '" << path << "': " << file.getError().message();
    return nullptr;
  }
  OnnxFormat format = path.ends_with(".onnxtxt") ? OnnxFormat::Text : OnnxFormat::Binary;
  return importOnnx(context, (*file)->getBuffer(), format, path, options, status);
}

ArrayRef<OnnxOpInfo> ssmc::supportedOnnxOps() {
  static const std::vector<OnnxOpInfo> ops = [] {
    std::vector<OnnxOpInfo> result;
    for (const auto &[key, entry] : registry())
      result.push_back(entry->info);
    return result;
  }();
  return ops;
}
