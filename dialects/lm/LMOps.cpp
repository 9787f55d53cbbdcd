//===- LMOps.cpp - lm dialect operations ----------------------------------===//
//
// Verifiers cite the numbered constraints of each op's description ("[C3] ...").
//
//===----------------------------------------------------------------------===//

#include "dialects/lm/LMOps.h"

#include "dialects/common/ShapeCheck.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace mlir::lm;
using ssm_common::ShapeCheck;

#include "dialects/lm/LMOpsDialect.cpp.inc"

void LMDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/lm/LMOps.cpp.inc"
      >();
}

/// a + b where either may be dynamic.
static int64_t addDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) ? ShapedType::kDynamic : a + b;
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

float AttentionOp::getEffectiveScale() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToFloat();
  int64_t dk = cast<RankedTensorType>(getQ().getType()).getDimSize(3);
  return 1.0f / std::sqrt(static_cast<float>(dk));
}

LogicalResult AttentionOp::verify() {
  ShapeCheck check(*this);
  Type q = getQ().getType();
  Type element = getElementTypeOrSelf(q);
  if (failed(check.shapeAct("C1", "q", q, {"B", "Hq", "Lq", "Dk"})) ||
      failed(check.shape("C1", "k", getK().getType(), {"B", "Hkv", "Lk", "Dk"})) ||
      failed(check.elementType("C1", "k", getK().getType(), element, "q")) ||
      failed(check.shape("C1", "v", getV().getType(), {"B", "Hkv", "Lk", "Dv"})) ||
      failed(check.elementType("C1", "v", getV().getType(), element, "q")))
    return failure();
  int64_t hq = check.size("Hq"), hkv = check.size("Hkv");
  if (hkv == 0)
    return check.error("C2") << "the number of key/value heads Hkv must be >= 1";
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) && hq % hkv != 0)
    return check.error("C2") << "Hkv = " << hkv << " must divide Hq = " << hq;

  if (static_cast<bool>(getPastKey()) != static_cast<bool>(getPastValue()))
    return check.error("C3") << "'past_key' and 'past_value' must be both present or both absent";
  int64_t lp = 0;
  if (getPastKey()) {
    if (failed(check.shape("C3", "past_key", getPastKey().getType(), {"B", "Hkv", "Lp", "Dk"})) ||
        failed(check.elementType("C3", "past_key", getPastKey().getType(), element, "q")) ||
        failed(
            check.shape("C3", "past_value", getPastValue().getType(), {"B", "Hkv", "Lp", "Dv"})) ||
        failed(check.elementType("C3", "past_value", getPastValue().getType(), element, "q")))
      return failure();
    lp = check.size("Lp");
  }
  int64_t total = addDims(lp, check.size("Lk"));

  if (Value mask = getMask()) {
    auto maskType = cast<RankedTensorType>(mask.getType());
    if (maskType.getRank() < 2 || maskType.getRank() > 4)
      return check.error("C4") << "'mask' must have rank 2 to 4, got " << maskType;
    int64_t full[4] = {check.size("B"), hq, check.size("Lq"), total};
    const char *names[4] = {"B", "Hq", "Lq", "T"};
    for (int64_t i = 0, r = maskType.getRank(); i < r; ++i) {
      int64_t actual = maskType.getDimSize(r - 1 - i), expected = full[3 - i];
      if (ShapedType::isDynamic(actual) || ShapedType::isDynamic(expected) || actual == 1 ||
          actual == expected)
        continue;
      return check.error("C4") << "'mask' dimension " << r - 1 - i << " must be 1 or "
                               << names[3 - i] << " = " << expected << ", got " << maskType;
    }
    Type maskElement = maskType.getElementType();
    if (maskElement != element && !maskElement.isInteger(1))
      return check.error("C4") << "'mask' must have element type " << element << " or i1, got "
                               << maskElement;
  }

  if (std::optional<APFloat> scale = getScale(); scale && !(scale->convertToFloat() > 0.0f))
    return check.error("C5") << "scale = " << scale->convertToFloat() << " must be > 0";
  if (!(getSoftcap().convertToFloat() >= 0.0f))
    return check.error("C5") << "softcap = " << getSoftcap().convertToFloat() << " must be >= 0";

  check.bind("T", total, "past_key and k");
  if (failed(check.shape("C6", "out", getOut().getType(), {"B", "Hq", "Lq", "Dv"})) ||
      failed(check.elementType("C6", "out", getOut().getType(), element, "q")) ||
      failed(
          check.shape("C6", "present_key", getPresentKey().getType(), {"B", "Hkv", "T", "Dk"})) ||
      failed(check.elementType("C6", "present_key", getPresentKey().getType(), element, "q")) ||
      failed(check.shape("C6", "present_value", getPresentValue().getType(),
                         {"B", "Hkv", "T", "Dv"})) ||
      failed(check.elementType("C6", "present_value", getPresentValue().getType(), element, "q")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// RMSNormOp
//===----------------------------------------------------------------------===//

LogicalResult RMSNormOp::verify() {
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
  if (!(getEps().convertToFloat() > 0.0f))
    return check.error("C3") << "eps = " << getEps().convertToFloat() << " must be > 0";
  return check.sameType("C4", "y", getY().getType(), x, "x");
}

//===----------------------------------------------------------------------===//
// RotaryOp
//===----------------------------------------------------------------------===//

LogicalResult RotaryOp::verify() {
  ShapeCheck check(*this);
  Type x = getX().getType();
  if (failed(check.shapeAct("C1", "x", x, {"B", "H", "L", "Dh"})) ||
      failed(check.shape("C2", "cos", getCos().getType(), {"*", "L", "R/2"})) ||
      failed(check.floating("C2", "cos", getCos().getType())) ||
      failed(check.sameType("C2", "sin", getSin().getType(), getCos().getType(), "cos")))
    return failure();
  int64_t cosBatch = cast<RankedTensorType>(getCos().getType()).getDimSize(0);
  int64_t batch = check.size("B");
  if (!ShapedType::isDynamic(cosBatch) && cosBatch != 1 && !ShapedType::isDynamic(batch) &&
      cosBatch != batch)
    return check.error("C2") << "'cos' dimension 0 must be 1 or B = " << batch << ", got "
                             << getCos().getType();
  int64_t half = check.size("R/2"), dh = check.size("Dh");
  if (!ShapedType::isDynamic(half) && !ShapedType::isDynamic(dh) && 2 * half > dh)
    return check.error("C3") << "the rotated channels R = " << 2 * half
                             << " must not exceed Dh = " << dh;
  return check.sameType("C4", "y", getY().getType(), x, "x");
}

#define GET_OP_CLASSES
#include "dialects/lm/LMOps.cpp.inc"
