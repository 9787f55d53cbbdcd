//===- ShapeCheck.cpp - shape and dtype rules for op verifiers ------------===//

#include "dialects/common/ShapeCheck.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::ssm_common;

bool mlir::ssm_common::isActivationType(Type type) {
  return type.isF32() || type.isBF16() || type.isF16();
}

std::string mlir::ssm_common::formatDims(ArrayRef<StringRef> dims) {
  std::string s = "(";
  llvm::interleave(dims, [&](StringRef d) { s += d.str(); }, [&] { s += ", "; });
  return s + ")";
}

InFlightDiagnostic ShapeCheck::error(StringRef rule) {
  return op->emitOpError() << "[" << rule << "] ";
}

int64_t ShapeCheck::size(StringRef dim) const {
  auto it = bound.find(dim);
  return it == bound.end() ? ShapedType::kDynamic : it->second.size;
}

void ShapeCheck::bind(StringRef dim, int64_t size, StringRef from) {
  if (!ShapedType::isDynamic(size) && !bound.count(dim))
    bound[dim] = Binding{size, from.str()};
}

LogicalResult ShapeCheck::shape(StringRef rule, StringRef name, Type type,
                                ArrayRef<StringRef> dims) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.getRank() != static_cast<int64_t>(dims.size()))
    return error(rule) << "'" << name << "' must have rank " << dims.size() << " "
                       << formatDims(dims) << ", got " << type;
  // Compare against earlier bindings first so that the message names the first conflict.
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (dim == "*")
      continue;
    int64_t actual = tensor.getDimSize(i);
    if (ShapedType::isDynamic(actual))
      continue;
    auto [nameRef, offsetRef] = dim.split('-');
    int64_t offset = 0;
    if (!offsetRef.empty() && offsetRef.getAsInteger(10, offset))
      offset = 0;
    auto it = bound.find(nameRef);
    if (it == bound.end()) {
      if (offset == 0)
        bound[nameRef] = Binding{actual, name.str()};
      continue;
    }
    int64_t expected = it->second.size - offset;
    if (actual != expected)
      return error(rule) << "'" << name << "' must be " << formatDims(dims) << " with " << dim
                         << " = " << expected << " (from '" << it->second.from << "'), got "
                         << type;
  }
  // Names first seen here with an offset ("K-1" before "K") bind their base now.
  for (auto [i, dim] : llvm::enumerate(dims)) {
    auto [nameRef, offsetRef] = dim.split('-');
    int64_t offset = 0;
    if (offsetRef.empty() || offsetRef.getAsInteger(10, offset))
      continue;
    if (!bound.count(nameRef) && !tensor.isDynamicDim(i))
      bound[nameRef] = Binding{tensor.getDimSize(i) + offset, name.str()};
  }
  return success();
}

LogicalResult ShapeCheck::activation(StringRef rule, StringRef name, Type type) {
  Type element = cast<ShapedType>(type).getElementType();
  if (!isActivationType(element))
    return error(rule) << "'" << name << "' must have element type " << kActivationTypes << ", got "
                       << element;
  return success();
}

LogicalResult ShapeCheck::floating(StringRef rule, StringRef name, Type type) {
  Type element = cast<ShapedType>(type).getElementType();
  if (!isa<FloatType>(element))
    return error(rule) << "'" << name << "' must have a float element type, got " << element;
  return success();
}

LogicalResult ShapeCheck::elementType(StringRef rule, StringRef name, Type type, Type expected,
                                      StringRef expectedFrom) {
  Type element = cast<ShapedType>(type).getElementType();
  if (element != expected)
    return error(rule) << "'" << name << "' must have element type " << expected
                       << (expectedFrom.empty() ? "" : " (that of '") << expectedFrom
                       << (expectedFrom.empty() ? "" : "')") << ", got " << element;
  return success();
}

LogicalResult ShapeCheck::sameType(StringRef rule, StringRef name, Type type, Type expected,
                                   StringRef expectedFrom) {
  if (failed(verifyCompatibleShape(type, expected)) ||
      getElementTypeOrSelf(type) != getElementTypeOrSelf(expected))
    return error(rule) << "'" << name << "' must have the type of '" << expectedFrom << "' ("
                       << expected << "), got " << type;
  return success();
}

LogicalResult ShapeCheck::shapeF32(StringRef rule, StringRef name, Type type,
                                   ArrayRef<StringRef> dims) {
  if (failed(shape(rule, name, type, dims)))
    return failure();
  return elementType(rule, name, type, Float32Type::get(op->getContext()), "");
}

LogicalResult ShapeCheck::shapeAct(StringRef rule, StringRef name, Type type,
                                   ArrayRef<StringRef> dims) {
  if (failed(shape(rule, name, type, dims)))
    return failure();
  return activation(rule, name, type);
}

LogicalResult ShapeCheck::sameShape(StringRef rule, StringRef name, Type type, Type expected,
                                    StringRef expectedFrom) {
  if (failed(verifyCompatibleShape(type, expected)))
    return error(rule) << "'" << name << "' must have the shape of '" << expectedFrom << "' ("
                       << expected << "), got " << type;
  return success();
}
