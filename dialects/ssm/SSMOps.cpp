//===- SSMOps.cpp - ssm dialect operations --------------------------------===//
//
// Verifiers cite the numbered constraints of each op's description ("[C3] ...").
//
//===----------------------------------------------------------------------===//

#include "dialects/ssm/SSMOps.h"

#include "dialects/common/ShapeCheck.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace mlir::ssm;
using ssm_common::ShapeCheck;

/// The shape of `type` with dimension `dim` removed.
static SmallVector<int64_t> shapeWithout(RankedTensorType type, int64_t dim) {
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + dim);
  return shape;
}

/// `G >= 1` divides `total` (both may be dynamic).
static LogicalResult checkGroups(ShapeCheck &check, StringRef rule, StringRef groups,
                                 StringRef total) {
  int64_t g = check.size(groups), n = check.size(total);
  if (g == 0)
    return check.error(rule) << "the number of groups " << groups << " must be >= 1";
  if (!ShapedType::isDynamic(g) && !ShapedType::isDynamic(n) && n % g != 0)
    return check.error(rule) << "the number of groups " << groups << " = " << g << " must divide "
                             << total << " = " << n;
  return success();
}

//===----------------------------------------------------------------------===//
// DiscretizeOp
//===----------------------------------------------------------------------===//

LogicalResult DiscretizeOp::verify() {
  ShapeCheck check(*this);
  Type dt = getDt().getType();
  if (failed(check.sameShape("C1", "A", getA().getType(), dt, "dt")) ||
      (getB() && failed(check.sameShape("C1", "B", getB().getType(), dt, "dt"))))
    return failure();
  if (failed(check.activation("C2", "dt", dt)) ||
      failed(check.activation("C2", "A", getA().getType())) ||
      (getB() && failed(check.activation("C2", "B", getB().getType()))))
    return failure();
  Type f32 = Float32Type::get(getContext());
  auto expected = RankedTensorType::get(cast<RankedTensorType>(dt).getShape(), f32);
  if (failed(check.sameType("C3", "Abar", getAbar().getType(), expected, "dt with f32")))
    return failure();
  if (static_cast<bool>(getB()) != static_cast<bool>(getBbar()))
    return check.error("C4") << "'Bbar' must be present exactly when 'B' is";
  if (getBbar() &&
      failed(check.sameType("C4", "Bbar", getBbar().getType(), expected, "dt with f32")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// ScanOp
//===----------------------------------------------------------------------===//

LogicalResult ScanOp::verify() {
  ShapeCheck check(*this);
  auto aType = cast<RankedTensorType>(getA().getType());
  if (failed(check.sameType("C1", "b", getB().getType(), aType, "a")) ||
      failed(check.activation("C2", "a", aType)))
    return failure();
  int64_t dim = getDim();
  if (dim < 0 || dim >= aType.getRank())
    return check.error("C3") << "dim = " << dim << " must be in [0, " << aType.getRank() << ")";
  auto stateType = RankedTensorType::get(shapeWithout(aType, dim), aType.getElementType());
  if (getH0() && failed(check.sameType("C4", "h0", getH0().getType(), stateType, "a without dim")))
    return failure();
  if (failed(check.sameType("C5", "h", getH().getType(), aType, "a")) ||
      failed(check.sameType("C6", "h_last", getHLast().getType(), stateType, "a without dim")))
    return failure();
  return success();
}

namespace {
/// A scan over one step without an initial state is its input: `h_0 = b_0`.
struct FoldUnitScan : OpRewritePattern<ScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScanOp op, PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getA().getType());
    int64_t dim = op.getDim();
    auto collapsed = RankedTensorType::get(shapeWithout(type, dim), type.getElementType());
    if (op.getH0() || type.getDimSize(dim) != 1 || op.getH().getType() != type ||
        op.getHLast().getType() != collapsed)
      return failure();
    // Collapse the unit dimension into its neighbour's group (the previous dimension, or the
    // next one when it is first); a rank-1 input collapses to rank 0.
    SmallVector<ReassociationIndices> groups;
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (i != dim)
        groups.push_back({i});
    if (!groups.empty()) {
      if (dim == 0)
        groups.front().insert(groups.front().begin(), 0);
      else
        groups[dim - 1].push_back(dim);
    }
    Value last = tensor::CollapseShapeOp::create(rewriter, op.getLoc(), op.getHLast().getType(),
                                                 op.getB(), groups);
    rewriter.replaceOp(op, {op.getB(), last});
    return success();
  }
};
} // namespace

void ScanOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<FoldUnitScan>(context);
}

//===----------------------------------------------------------------------===//
// AssociativeScanOp
//===----------------------------------------------------------------------===//

LogicalResult AssociativeScanOp::verify() {
  ShapeCheck check(*this);
  if (getInputs().empty())
    return check.error("C1") << "needs at least one input";
  auto first = cast<RankedTensorType>(getInputs().front().getType());
  for (auto [i, input] : llvm::enumerate(getInputs()))
    if (failed(check.sameShape("C1", ("input #" + Twine(i)).str(), input.getType(), first,
                               "input #0")))
      return failure();
  int64_t dim = getDim();
  if (dim < 0 || dim >= first.getRank())
    return check.error("C2") << "dim = " << dim << " must be in [0, " << first.getRank() << ")";

  size_t n = getInputs().size();
  Block &block = getCombiner().front();
  SmallVector<Type> elementTypes;
  for (Value input : getInputs())
    elementTypes.push_back(getElementTypeOrSelf(input.getType()));
  if (block.getNumArguments() != 2 * n)
    return check.error("C3") << "the combiner must take " << 2 * n << " arguments, got "
                             << block.getNumArguments();
  for (auto [i, arg] : llvm::enumerate(block.getArguments()))
    if (arg.getType() != elementTypes[i % n])
      return check.error("C3") << "combiner argument #" << i << " must be " << elementTypes[i % n]
                               << ", got " << arg.getType();
  auto yield = block.empty() ? YieldOp() : dyn_cast<YieldOp>(block.back());
  if (!yield)
    return check.error("C4") << "the combiner must end with 'ssm.yield'";
  if (yield.getValues().size() != n)
    return check.error("C4") << "the combiner must yield " << n << " values, got "
                             << yield.getValues().size();
  for (auto [i, value] : llvm::enumerate(yield.getValues()))
    if (value.getType() != elementTypes[i])
      return check.error("C4") << "yielded value #" << i << " must be " << elementTypes[i]
                               << ", got " << value.getType();

  if (getResults().size() != n)
    return check.error("C5") << "must have " << n << " results, got " << getResults().size();
  for (auto [i, pair] : llvm::enumerate(llvm::zip(getResults(), getInputs())))
    if (failed(check.sameType("C5", ("result #" + Twine(i)).str(), std::get<0>(pair).getType(),
                              std::get<1>(pair).getType(), ("input #" + Twine(i)).str())))
      return failure();
  return success();
}

LogicalResult AssociativeScanOp::fold(FoldAdaptor, SmallVectorImpl<OpFoldResult> &results) {
  // The inclusive scan of one element is that element.
  auto type = cast<RankedTensorType>(getInputs().front().getType());
  if (type.getDimSize(getDim()) != 1)
    return failure();
  for (auto [result, input] : llvm::zip(getResults(), getInputs())) {
    if (result.getType() != input.getType())
      return failure();
    results.push_back(input);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// SelectiveScanOp
//===----------------------------------------------------------------------===//

LogicalResult SelectiveScanOp::verify() {
  ShapeCheck check(*this);
  Type u = getU().getType();
  if (failed(check.shape("C1", "u", u, {"B", "D", "L"})) ||
      failed(check.sameType("C1", "delta", getDelta().getType(), u, "u")) ||
      failed(check.activation("C2", "u", u)) ||
      failed(check.shapeF32("C3", "A", getA().getType(), {"D", "N"})) ||
      failed(check.shapeAct("C4", "B", getB().getType(), {"B", "G", "N", "L"})) ||
      failed(check.sameType("C4", "C", getC().getType(), getB().getType(), "B")) ||
      failed(checkGroups(check, "C5", "G", "D")))
    return failure();
  if (getD() && failed(check.shapeF32("C6", "D", getD().getType(), {"D"})))
    return failure();
  if (getDeltaBias() && failed(check.shapeF32("C6", "delta_bias", getDeltaBias().getType(), {"D"})))
    return failure();
  if (getZ() && failed(check.sameType("C7", "z", getZ().getType(), u, "u")))
    return failure();
  if (getH0() && failed(check.shapeF32("C8", "h0", getH0().getType(), {"B", "D", "N"})))
    return failure();
  if (failed(check.sameType("C9", "y", getY().getType(), u, "u")) ||
      failed(check.shapeF32("C9", "h_last", getHLast().getType(), {"B", "D", "N"})))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// SSDOp
//===----------------------------------------------------------------------===//

LogicalResult SSDOp::verify() {
  ShapeCheck check(*this);
  Type x = getX().getType();
  if (failed(check.shapeAct("C1", "x", x, {"B", "L", "H", "P"})) ||
      failed(check.shape("C2", "dt", getDt().getType(), {"B", "L", "H"})) ||
      failed(check.elementType("C2", "dt", getDt().getType(), getElementTypeOrSelf(x), "x")) ||
      failed(check.shapeF32("C3", "A", getA().getType(), {"H"})) ||
      failed(check.shapeAct("C4", "B", getB().getType(), {"B", "L", "G", "N"})) ||
      failed(check.sameType("C4", "C", getC().getType(), getB().getType(), "B")) ||
      failed(checkGroups(check, "C5", "G", "H")))
    return failure();
  if (Value d = getD()) {
    int64_t rank = cast<RankedTensorType>(d.getType()).getRank();
    if (rank != 1 && rank != 2)
      return check.error("C6") << "'D' must be (H) or (H, P), got " << d.getType();
    if (failed(rank == 1 ? check.shapeF32("C6", "D", d.getType(), {"H"})
                         : check.shapeF32("C6", "D", d.getType(), {"H", "P"})))
      return failure();
  }
  if (getDtBias() && failed(check.shapeF32("C6", "dt_bias", getDtBias().getType(), {"H"})))
    return failure();
  if (getZ() && failed(check.sameType("C7", "z", getZ().getType(), x, "x")))
    return failure();
  if (getH0() && failed(check.shapeF32("C8", "h0", getH0().getType(), {"B", "H", "P", "N"})))
    return failure();
  if (int64_t chunk = static_cast<int64_t>(getChunkSize()); chunk <= 0)
    return check.error("C9") << "chunk_size = " << chunk << " must be > 0";
  float dtMin = getDtMin().convertToFloat(), dtMax = getDtMax().convertToFloat();
  if (!(dtMin >= 0.0f && dtMin <= dtMax))
    return check.error("C9") << "dt_min = " << dtMin << " and dt_max = " << dtMax
                             << " must satisfy 0 <= dt_min <= dt_max";
  if (failed(check.sameType("C10", "y", getY().getType(), x, "x")) ||
      failed(check.shapeF32("C10", "final_state", getFinalState().getType(), {"B", "H", "P", "N"})))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// The chunked SSD steps
//===----------------------------------------------------------------------===//

LogicalResult SegsumOp::verify() {
  ShapeCheck check(*this);
  auto x = cast<RankedTensorType>(getX().getType());
  if (x.getRank() < 1)
    return check.error("C1") << "'x' must have rank >= 1, got " << x;
  if (failed(check.activation("C1", "x", x)))
    return failure();
  SmallVector<int64_t> shape(x.getShape());
  shape.push_back(x.getShape().back());
  auto expected = RankedTensorType::get(shape, x.getElementType());
  return check.sameType("C2", "result", getResult().getType(), expected,
                        "x with its last dimension repeated");
}

LogicalResult ChunkStateOp::verify() {
  ShapeCheck check(*this);
  if (failed(check.shapeF32("C1", "B", getB().getType(), {"b", "nc", "Q", "G", "N"})) ||
      failed(check.shapeF32("C1", "x", getX().getType(), {"b", "nc", "Q", "H", "P"})) ||
      failed(check.shapeF32("C1", "dA_cumsum", getDACumsum().getType(), {"b", "H", "nc", "Q"})) ||
      failed(checkGroups(check, "C2", "G", "H")) ||
      failed(check.shapeF32("C3", "states", getStates().getType(), {"b", "nc", "H", "P", "N"})))
    return failure();
  return success();
}

LogicalResult StatePassingOp::verify() {
  ShapeCheck check(*this);
  Type states = getStates().getType();
  if (failed(check.shapeF32("C1", "states", states, {"b", "nc", "H", "P", "N"})) ||
      failed(check.shapeF32("C1", "dA_chunk", getDAChunk().getType(), {"b", "H", "nc"})))
    return failure();
  if (getH0() && failed(check.shapeF32("C2", "h0", getH0().getType(), {"b", "H", "P", "N"})))
    return failure();
  if (failed(check.sameType("C3", "prev_states", getPrevStates().getType(), states, "states")) ||
      failed(check.shapeF32("C3", "final_state", getFinalState().getType(), {"b", "H", "P", "N"})))
    return failure();
  return success();
}

LogicalResult ChunkScanOp::verify() {
  ShapeCheck check(*this);
  Type x = getX().getType();
  if (failed(check.shapeF32("C1", "C", getC().getType(), {"b", "nc", "Q", "G", "N"})) ||
      failed(check.shapeF32("C1", "B", getB().getType(), {"b", "nc", "Q", "G", "N"})) ||
      failed(check.shapeF32("C1", "x", x, {"b", "nc", "Q", "H", "P"})) ||
      failed(checkGroups(check, "C2", "G", "H")) ||
      failed(check.shapeF32("C3", "dA_cumsum", getDACumsum().getType(), {"b", "H", "nc", "Q"})) ||
      failed(check.shapeF32("C3", "segsum", getSegsum().getType(), {"b", "H", "nc", "Q", "Q"})) ||
      failed(check.shapeF32("C4", "prev_states", getPrevStates().getType(),
                            {"b", "nc", "H", "P", "N"})) ||
      failed(check.sameType("C5", "y", getY().getType(), x, "x")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// CausalConv1dOp
//===----------------------------------------------------------------------===//

LogicalResult CausalConv1dOp::verify() {
  ShapeCheck check(*this);
  Type x = getX().getType();
  Type xElement = getElementTypeOrSelf(x);
  if (failed(check.shapeAct("C1", "x", x, {"B", "C", "L"})) ||
      failed(check.shape("C2", "w", getW().getType(), {"C", "K"})) ||
      failed(check.floating("C2", "w", getW().getType())))
    return failure();
  if (check.size("K") == 0)
    return check.error("C2") << "the kernel width K must be >= 1";
  if (getBias() && (failed(check.shape("C3", "bias", getBias().getType(), {"C"})) ||
                    failed(check.floating("C3", "bias", getBias().getType()))))
    return failure();
  if (getState() && (failed(check.shape("C4", "state", getState().getType(), {"B", "C", "K-1"})) ||
                     failed(check.elementType("C4", "state", getState().getType(), xElement, "x"))))
    return failure();
  if (failed(check.sameType("C5", "y", getY().getType(), x, "x")) ||
      failed(check.shape("C5", "final_state", getFinalState().getType(), {"B", "C", "K-1"})) ||
      failed(check.elementType("C5", "final_state", getFinalState().getType(), xElement, "x")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// GatedRMSNormOp
//===----------------------------------------------------------------------===//

LogicalResult GatedRMSNormOp::verify() {
  ShapeCheck check(*this);
  auto x = cast<RankedTensorType>(getX().getType());
  if (x.getRank() < 1)
    return check.error("C1") << "'x' must have rank >= 1, got " << x;
  if (failed(check.activation("C1", "x", x)))
    return failure();
  check.bind("D", x.getShape().back(), "x");
  if (failed(check.shape("C2", "w", getW().getType(), {"D"})) ||
      failed(check.floating("C2", "w", getW().getType())))
    return failure();
  if (getZ() && failed(check.sameType("C3", "z", getZ().getType(), x, "x")))
    return failure();
  int64_t groupSize = getGroupSize(), d = x.getShape().back();
  if (groupSize < 0)
    return check.error("C4") << "group_size = " << groupSize << " must be >= 0";
  if (groupSize > 0 && !ShapedType::isDynamic(d) && d % groupSize != 0)
    return check.error("C4") << "group_size = " << groupSize << " must divide D = " << d;
  if (!(getEps().convertToFloat() > 0.0f))
    return check.error("C5") << "eps = " << getEps().convertToFloat() << " must be > 0";
  return check.sameType("C6", "y", getY().getType(), x, "x");
}

static LogicalResult verifyActivation(Operation *op, Type x, Type y) {
  Type element = cast<RankedTensorType>(x).getElementType();
  if (!isa<Float64Type, Float32Type, BFloat16Type, Float16Type>(element))
    return op->emitOpError("[C1] 'x' must be a tensor of f64, f32, bf16 or f16, got ") << x;
  if (x != y)
    return op->emitOpError("[C1] 'y' must have the type of 'x' ") << x << ", got " << y;
  return success();
}

LogicalResult SiLUOp::verify() {
  return verifyActivation(*this, getX().getType(), getY().getType());
}

LogicalResult SoftplusOp::verify() {
  return verifyActivation(*this, getX().getType(), getY().getType());
}

#define GET_OP_CLASSES
#include "dialects/ssm/SSMOps.cpp.inc"
