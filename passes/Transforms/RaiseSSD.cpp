//===- RaiseSSD.cpp - recognise Hugging Face's chunked SSD as ssm.ssd -----===//
//
// transformers' Mamba-2 mixers (Mamba2, Bamba, Nemotron-H, Zamba2, Falcon-H1,
// GraniteMoeHybrid) compute the SSD without the fused kernels as a chain of about fifty
// broadcasts, products, sums, cumulative sums and masks over chunks of the sequence
// (`torch_forward`). After import each step is one linalg op, and the steps are connected
// through transposes, unsqueezes and reshapes.
//
// The matcher below names every dimension of every tensor by the index it carries (b batch,
// c chunk, l and s positions in a chunk, h head, p head dim, n state, w and z chunk
// boundaries) and looks through the ops that only move data, so each step is checked on the
// indices it combines, not on the order of its dimensions. A reshape that splits the sequence
// into chunks names the sequence dimension by both indices ("cl"); dimensions of size 1 carry
// no index and are named "".
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/RaiseSSD.h"

#include "dialects/ssm/SSMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>

using namespace mlir;

namespace {

using Labels = SmallVector<std::string>;

/// A tensor with each dimension named by the index it carries.
struct Named {
  Value value;
  Labels labels;
};

ArrayRef<int64_t> shapeOf(Value v) { return cast<RankedTensorType>(v.getType()).getShape(); }

bool isStatic(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape();
}

/// Drops the names of unit dimensions: they carry no index.
Labels normalized(Value v, Labels labels) {
  for (auto [size, label] : llvm::zip(shapeOf(v), labels))
    if (size == 1)
      label.clear();
  return labels;
}

/// The names of a generic's loops, given the names of its result's dimensions; loops that the
/// result does not index must be reductions and are named `reduced` (or "" when of size 1).
std::optional<Labels> loopLabels(linalg::GenericOp op, const Labels &result, StringRef reduced) {
  if (op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics())
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  Labels loops(op.getNumLoops());
  SmallVector<bool> named(op.getNumLoops(), false);
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  for (auto [j, e] : llvm::enumerate(out.getResults())) {
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d || named[d.getPosition()])
      return std::nullopt;
    loops[d.getPosition()] = result[j];
    named[d.getPosition()] = true;
  }
  auto iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < op.getNumLoops(); ++d) {
    if (named[d])
      continue;
    if (iterators[d] != utils::IteratorType::reduction || ranges[d] == ShapedType::kDynamic)
      return std::nullopt;
    loops[d] = ranges[d] == 1 ? "" : reduced.str();
  }
  return loops;
}

/// Operand `i` of a generic named through its indexing map.
std::optional<Named> operandOf(linalg::GenericOp op, unsigned i, const Labels &loops) {
  OpOperand &operand = op->getOpOperand(i);
  if (!isStatic(operand.get()))
    return std::nullopt;
  Labels labels;
  for (AffineExpr e : op.getMatchingIndexingMap(&operand).getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e))
      labels.push_back(loops[d.getPosition()]);
    else if (auto c = dyn_cast<AffineConstantExpr>(e); c && c.getValue() == 0)
      labels.push_back("");
    else
      return std::nullopt;
  }
  return Named{operand.get(), normalized(operand.get(), labels)};
}

Value yielded(linalg::GenericOp op) { return op.getBody()->getTerminator()->getOperand(0); }

/// The number of the block argument `v` is, or -1.
int argNumber(linalg::GenericOp op, Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  return arg && arg.getOwner() == op.getBody() ? static_cast<int>(arg.getArgNumber()) : -1;
}

bool isFloat(Value v, double value) {
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getValueAsDouble() == value;
  DenseFPElementsAttr dense;
  return matchPattern(v, m_Constant(&dense)) && dense.isSplat() &&
         dense.getSplatValue<APFloat>().convertToDouble() == value;
}

/// `v` is filled with `value` (a linalg.fill or a splat constant).
bool filledWith(Value v, double value) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    return isFloat(fill.getInputs()[0], value);
  return isFloat(v, value);
}

/// `a + b` with `a`, `b` the block arguments `x`, `y` in either order.
bool isSumOf(Value v, int x, int y, linalg::GenericOp op) {
  auto add = v.getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  int a = argNumber(op, add.getLhs()), b = argNumber(op, add.getRhs());
  return (a == x && b == y) || (a == y && b == x);
}

//===----------------------------------------------------------------------===//
// Looking through the ops that only move data
//===----------------------------------------------------------------------===//

/// One step back through an op that only moves data: a copy (transpose, broadcast), a sum over
/// unit dimensions, or a reshape. Returns the source with its dimensions named.
std::optional<Named> viewStep(const Named &n) {
  if (auto op = n.value.getDefiningOp<linalg::GenericOp>()) {
    if (op.getNumDpsInputs() != 1)
      return std::nullopt;
    bool copy = op.getNumParallelLoops() == op.getNumLoops() && argNumber(op, yielded(op)) == 0;
    bool unitSum = isSumOf(yielded(op), 0, 1, op) && filledWith(op.getDpsInits()[0], 0.0);
    if (unitSum)
      for (auto [range, it] : llvm::zip(op.getStaticLoopRanges(), op.getIteratorTypesArray()))
        unitSum &= it == utils::IteratorType::parallel || range == 1;
    if (!copy && !unitSum)
      return std::nullopt;
    std::optional<Labels> loops = loopLabels(op, n.labels, "");
    if (!loops)
      return std::nullopt;
    return operandOf(op, 0, *loops);
  }
  Operation *def = n.value.getDefiningOp();
  if (!isa_and_nonnull<tensor::ReshapeOp, tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
    return std::nullopt;
  Value source = def->getOperand(0);
  if (!isStatic(source) || !isStatic(n.value))
    return std::nullopt;
  auto from = cast<ShapedType>(source.getType()), to = cast<ShapedType>(n.value.getType());
  if (from.getShape() == to.getShape())
    return Named{source, normalized(source, n.labels)};
  std::optional<SmallVector<ReassociationIndices>> groups =
      getReassociationIndicesForReshape(from, to);
  if (!groups)
    return std::nullopt;
  Labels labels(from.getRank());
  if (to.getRank() > from.getRank()) {
    // A split: the source dimension carries the indices of its parts, outer first.
    for (auto [i, group] : llvm::enumerate(*groups))
      for (int64_t j : group)
        labels[i] += n.labels[j];
  } else {
    // A merge of one dimension with unit ones.
    for (auto [j, group] : llvm::enumerate(*groups)) {
      if (llvm::count_if(group, [&](int64_t i) { return from.getDimSize(i) != 1; }) > 1)
        return std::nullopt;
      for (int64_t i : group)
        if (from.getDimSize(i) != 1)
          labels[i] = n.labels[j];
    }
  }
  return Named{source, normalized(source, labels)};
}

/// The value behind all data-moving ops.
Named look(Named n) {
  while (std::optional<Named> next = viewStep(n))
    n = *next;
  return n;
}

//===----------------------------------------------------------------------===//
// The computing steps
//===----------------------------------------------------------------------===//

/// An all-parallel generic with one result computing `OpTy(a, b)` of its two inputs: returns
/// (a, b), named.
template <typename OpTy> std::optional<std::pair<Named, Named>> binaryOf(const Named &n) {
  auto op = n.value.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 2 || op.getNumParallelLoops() != op.getNumLoops())
    return std::nullopt;
  auto inner = yielded(op).getDefiningOp<OpTy>();
  if (!inner || inner->getBlock() != op.getBody())
    return std::nullopt;
  int a = argNumber(op, inner->getOperand(0)), b = argNumber(op, inner->getOperand(1));
  std::optional<Labels> loops = loopLabels(op, n.labels, "");
  if (a < 0 || b < 0 || a == b || a > 1 || b > 1 || !loops)
    return std::nullopt;
  std::optional<Named> x = operandOf(op, a, *loops), y = operandOf(op, b, *loops);
  if (!x || !y)
    return std::nullopt;
  return std::make_pair(*x, *y);
}

/// Both orders of a commutative step's operands.
SmallVector<std::pair<Named, Named>> eitherOrder(std::optional<std::pair<Named, Named>> p) {
  if (!p)
    return {};
  return {*p, {p->second, p->first}};
}

/// `exp(x)`, element for element: returns x.
std::optional<Named> expOf(const Named &n) {
  auto op = n.value.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 1 || op.getNumParallelLoops() != op.getNumLoops())
    return std::nullopt;
  auto exp = yielded(op).getDefiningOp<math::ExpOp>();
  std::optional<Labels> loops = loopLabels(op, n.labels, "");
  if (!exp || argNumber(op, exp.getOperand()) != 0 || !loops)
    return std::nullopt;
  return operandOf(op, 0, *loops);
}

/// A sum over one index, named `index` in the returned operand.
std::optional<Named> sumOf(const Named &n, StringRef index) {
  auto op = n.value.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 1 || op.getNumReductionLoops() == 0 ||
      !isSumOf(yielded(op), 0, 1, op) || !filledWith(op.getDpsInits()[0], 0.0))
    return std::nullopt;
  std::optional<Labels> loops = loopLabels(op, n.labels, index);
  if (!loops || llvm::count(*loops, index.str()) != 1)
    return std::nullopt;
  return operandOf(op, 0, *loops);
}

/// A cumulative sum `out[.., i, ..] = sum_{k <= i} x[.., k, ..]`, as the importer writes
/// CumSum: returns x named with i's name in place of k, and i's name.
std::optional<std::pair<Named, std::string>> cumsumOf(const Named &n) {
  auto op = n.value.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 1 || op.getNumReductionLoops() != 1 ||
      !filledWith(op.getDpsInits()[0], 0.0))
    return std::nullopt;
  auto add = yielded(op).getDefiningOp<arith::AddFOp>();
  if (!add)
    return std::nullopt;
  Value picked = argNumber(op, add.getLhs()) == 1 ? add.getRhs() : add.getLhs();
  if (argNumber(op, add.getLhs()) != 1 && argNumber(op, add.getRhs()) != 1)
    return std::nullopt;
  auto select = picked.getDefiningOp<arith::SelectOp>();
  if (!select || argNumber(op, select.getTrueValue()) != 0 || !isFloat(select.getFalseValue(), 0.0))
    return std::nullopt;
  auto cmp = select.getCondition().getDefiningOp<arith::CmpIOp>();
  if (!cmp)
    return std::nullopt;
  auto indexOf = [](Value v) -> int64_t {
    auto index = v.getDefiningOp<linalg::IndexOp>();
    return index ? static_cast<int64_t>(index.getDim()) : -1;
  };
  int64_t lhs = indexOf(cmp.getLhs()), rhs = indexOf(cmp.getRhs()), k = -1, i = -1;
  switch (cmp.getPredicate()) {
  case arith::CmpIPredicate::ule:
  case arith::CmpIPredicate::sle:
    k = lhs, i = rhs;
    break;
  case arith::CmpIPredicate::uge:
  case arith::CmpIPredicate::sge:
    k = rhs, i = lhs;
    break;
  default:
    return std::nullopt;
  }
  auto iterators = op.getIteratorTypesArray();
  if (k < 0 || i < 0 || iterators[k] != utils::IteratorType::reduction ||
      iterators[i] != utils::IteratorType::parallel)
    return std::nullopt;
  std::optional<Labels> loops = loopLabels(op, n.labels, "");
  if (!loops || (*loops)[i].empty())
    return std::nullopt;
  std::string row = (*loops)[i];
  (*loops)[k] = row;
  (*loops)[i] = "#"; // the input must not read i
  std::optional<Named> x = operandOf(op, 0, *loops);
  if (!x || llvm::is_contained(x->labels, "#"))
    return std::nullopt;
  return std::make_pair(*x, row);
}

/// `select(mask, fill, x)` with a constant boolean `mask` and a constant scalar `fill`, where
/// `mask[row, col]` must equal `masked(row, col)`: returns x.
template <typename Pred>
std::optional<Named> maskedFillOf(const Named &n, StringRef row, StringRef col, double fill,
                                  Pred &&masked) {
  auto op = n.value.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 3 || op.getNumParallelLoops() != op.getNumLoops())
    return std::nullopt;
  auto select = yielded(op).getDefiningOp<arith::SelectOp>();
  if (!select)
    return std::nullopt;
  int m = argNumber(op, select.getCondition()), f = argNumber(op, select.getTrueValue()),
      x = argNumber(op, select.getFalseValue());
  std::optional<Labels> loops = loopLabels(op, n.labels, "");
  if (m < 0 || f < 0 || x < 0 || m > 2 || f > 2 || x > 2 || !loops)
    return std::nullopt;
  std::optional<Named> mask = operandOf(op, m, *loops), value = operandOf(op, f, *loops);
  DenseIntElementsAttr bits;
  if (!mask || !value || !isFloat(value->value, fill) ||
      !matchPattern(mask->value, m_Constant(&bits)))
    return std::nullopt;
  // Every element of the mask, with its row and column indices read off its dimensions.
  ArrayRef<int64_t> shape = shapeOf(mask->value);
  SmallVector<int64_t> at(shape.size(), 0);
  for (const APInt &bit : bits.getValues<APInt>()) {
    int64_t r = 0, c = 0;
    for (auto [d, label] : llvm::enumerate(mask->labels)) {
      if (label == row)
        r = at[d];
      else if (label == col)
        c = at[d];
      else if (!label.empty())
        return std::nullopt;
    }
    if (bit.getBoolValue() != masked(r, c))
      return std::nullopt;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++at[d] < shape[d])
        break;
      at[d] = 0;
    }
  }
  return operandOf(op, x, *loops);
}

/// `segment_sum(x)` over (row, col): `s[.., row, col] = x[.., col+1] + .. + x[.., row]` for
/// col <= row, -inf above the diagonal, as transformers writes it (expand, mask, cumsum,
/// mask). Returns x, with its summed dimension named `row`.
std::optional<Named> segsumOf(const Named &n, StringRef row, StringRef col) {
  std::optional<Named> sums =
      maskedFillOf(look(n), row, col, -std::numeric_limits<double>::infinity(),
                   [](int64_t r, int64_t c) { return c > r; });
  if (!sums)
    return std::nullopt;
  std::optional<std::pair<Named, std::string>> cum = cumsumOf(look(*sums));
  if (!cum || cum->second != row)
    return std::nullopt;
  std::optional<Named> below =
      maskedFillOf(look(cum->first), row, col, 0.0, [](int64_t r, int64_t c) { return c >= r; });
  if (!below)
    return std::nullopt;
  Named x = look(*below);
  if (llvm::is_contained(x.labels, col.str()))
    return std::nullopt;
  return x;
}

/// A zero padding of `n` at the end of dimension `dim` only (or no padding): returns the
/// source.
Named unpadded(const Named &n, unsigned dim) {
  auto pad = n.value.getDefiningOp<tensor::PadOp>();
  if (!pad || !isStatic(pad.getSource()) || !pad.getConstantPaddingValue() ||
      !isFloat(pad.getConstantPaddingValue(), 0.0))
    return n;
  for (auto [d, low, high] : llvm::enumerate(pad.getStaticLow(), pad.getStaticHigh()))
    if (low != 0 || (d != dim && high != 0))
      return n;
  return Named{pad.getSource(), n.labels};
}

//===----------------------------------------------------------------------===//
// The pattern
//===----------------------------------------------------------------------===//

/// What the match found: the SSD's operands as the graph has them.
struct SSDParts {
  Value x, dt, A, B, C, D;
  Value xChunks, aChunks, bChunks, cChunks; // the padded, chunked sequences
  Value aCumsum;                            // cumsum(dt * A) within chunks, (b, h, c, l)
};

struct RaiseSSD : OpRewritePattern<tensor::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  /// Names for the hand-written expectations: the letters of each name whose extent is 1 are
  /// dropped, as `normalized` drops them from the graph's names.
  struct Namer {
    std::map<char, int64_t> extent;
    std::string operator()(StringRef letters) const {
      std::string name;
      for (char c : letters)
        if (auto it = extent.find(c); it == extent.end() || it->second != 1)
          name += c;
      return name;
    }
    Labels operator()(std::initializer_list<StringRef> dims) const {
      Labels labels;
      for (StringRef d : dims)
        labels.push_back((*this)(d));
      return labels;
    }
  };

  /// `(M[.., None] * X[:, :, None]).sum(dim=3)` with M = (C B^T) * exp(segsum(A)).
  static bool matchDiagonal(const Named &yDiag, const Namer &name, SSDParts &parts) {
    std::optional<Named> product = sumOf(yDiag, name("s"));
    if (!product)
      return false;
    for (auto [m, x] : eitherOrder(binaryOf<arith::MulFOp>(*product))) {
      Named xs = look(x);
      if (xs.labels != name({"b", "cs", "h", "p"}))
        continue;
      for (auto [g, decay] : eitherOrder(binaryOf<arith::MulFOp>(look(m)))) {
        std::optional<Named> cb = sumOf(look(g), "n");
        std::optional<Named> seg = expOf(look(decay));
        if (!cb || !seg)
          continue;
        std::optional<Named> a = segsumOf(*seg, name("l"), name("s"));
        if (!a || a->labels != name({"b", "cl", "h"}))
          continue;
        for (auto [c, b] : eitherOrder(binaryOf<arith::MulFOp>(look(*cb)))) {
          Named cs = look(c), bs = look(b);
          if (cs.labels != name({"b", "cl", "h", "n"}) || bs.labels != name({"b", "cs", "h", "n"}))
            continue;
          parts.xChunks = xs.value;
          parts.aChunks = a->value;
          parts.cChunks = cs.value;
          parts.bChunks = bs.value;
          return true;
        }
      }
    }
    return false;
  }

  /// The cumulative sum of dt * A within each chunk, named (b, h, c, l).
  static bool isCumsum(const Named &n, const Namer &name, const SSDParts &parts) {
    std::optional<std::pair<Named, std::string>> cum = cumsumOf(n);
    if (!cum || cum->second != name("l"))
      return false;
    Named a = look(cum->first);
    return a.value == parts.aChunks && a.labels == name({"b", "cl", "h"});
  }

  /// The chunk states: `(B * exp(A_cumsum[.., -1:] - A_cumsum))^T X` over each chunk, named
  /// (b, c, h, p, n).
  static bool matchChunkStates(const Named &states, const Namer &name, const SSDParts &parts) {
    std::optional<Named> product = sumOf(states, name("l"));
    if (!product)
      return false;
    for (auto [bDecay, x] : eitherOrder(binaryOf<arith::MulFOp>(*product))) {
      Named xs = look(x);
      if (xs.value != parts.xChunks || xs.labels != name({"b", "cl", "h", "p"}))
        continue;
      for (auto [b, decay] : eitherOrder(binaryOf<arith::MulFOp>(look(bDecay)))) {
        Named bs = look(b);
        std::optional<Named> diff = expOf(look(decay));
        if (bs.value != parts.bChunks || bs.labels != name({"b", "cl", "h", "n"}) || !diff)
          continue;
        std::optional<std::pair<Named, Named>> sub = binaryOf<arith::SubFOp>(look(*diff));
        if (!sub || !isCumsum(look(sub->second), name, parts) ||
            !isLastOfChunk(look(sub->first), name, parts))
          continue;
        return true;
      }
    }
    return false;
  }

  /// The (b, h, c, l) tensor whose last position `v` slices out, keeping that dimension or not.
  static Value lastPositionOf(Value v) {
    auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
    if (!slice || !slice.hasUnitStride() || !isStatic(slice.getSource()))
      return nullptr;
    ArrayRef<int64_t> full = shapeOf(slice.getSource());
    if (full.size() != 4 || slice.getStaticOffsets() != ArrayRef<int64_t>{0, 0, 0, full[3] - 1} ||
        slice.getStaticSizes() != ArrayRef<int64_t>{full[0], full[1], full[2], 1})
      return nullptr;
    return slice.getSource();
  }

  /// `A_cumsum[.., -1:]`, broadcast over the chunk's positions.
  static bool isLastOfChunk(const Named &n, const Namer &name, const SSDParts &parts) {
    Value cumsum = lastPositionOf(n.value);
    return cumsum && n.labels == name({"b", "h", "c", ""}) &&
           isCumsum(Named{cumsum, name({"b", "h", "c", "l"})}, name, parts);
  }

  /// The states entering each chunk: `new_states[:, :-1]` with new_states the decayed sums
  /// of [initial state, chunk states], named (b, c, h, p, n).
  static bool matchStatePassing(const Named &entering, const Namer &name, SSDParts &parts) {
    auto slice = entering.value.getDefiningOp<tensor::ExtractSliceOp>();
    if (!slice || !slice.hasUnitStride() || !isStatic(slice.getSource()) ||
        llvm::any_of(slice.getStaticOffsets(), [](int64_t o) { return o != 0; }))
      return false;
    ArrayRef<int64_t> all = shapeOf(slice.getSource());
    if (all.size() != 5 || shapeOf(entering.value).size() != 5 ||
        shapeOf(entering.value)[1] + 1 != all[1])
      return false;
    Labels labels = name({"b", "c", "h", "p", "n"});
    labels[1] = name("w");
    std::optional<Named> product = sumOf(Named{slice.getSource(), labels}, name("z"));
    if (!product)
      return false;
    for (auto [decay, states] : eitherOrder(binaryOf<arith::MulFOp>(*product))) {
      std::optional<Named> seg = expOf(look(decay));
      Named cat = look(states);
      if (!seg || cat.labels != name({"b", "z", "h", "p", "n"}))
        continue;
      std::optional<Named> last = segsumOf(*seg, name("w"), name("z"));
      if (!last || last->labels != name({"b", "h", "w"}) || !isChunkEnds(*last, name, parts) ||
          !isConcatOfChunkStates(cat, name, parts))
        continue;
      return true;
    }
    return false;
  }

  /// `F.pad(A_cumsum[:, :, :, -1], (1, 0))`, named (b, h, w).
  static bool isChunkEnds(const Named &padded, const Namer &name, const SSDParts &parts) {
    auto pad = padded.value.getDefiningOp<tensor::PadOp>();
    if (!pad || !pad.getConstantPaddingValue() || !isFloat(pad.getConstantPaddingValue(), 0.0) ||
        pad.getStaticLow() != ArrayRef<int64_t>{0, 0, 1} ||
        pad.getStaticHigh() != ArrayRef<int64_t>{0, 0, 0})
      return false;
    Value cumsum = lastPositionOf(pad.getSource());
    return cumsum && isCumsum(Named{cumsum, name({"b", "h", "c", "l"})}, name, parts);
  }

  /// `torch.cat([zeros, states], dim=1)`, named (b, z, h, p, n).
  static bool isConcatOfChunkStates(const Named &cat, const Namer &name, const SSDParts &parts) {
    auto states = cat.value.getDefiningOp<tensor::InsertSliceOp>();
    if (!states || !states.hasUnitStride())
      return false;
    auto first = states.getDest().getDefiningOp<tensor::InsertSliceOp>();
    if (!first || !first.hasUnitStride() || !first.getDest().getDefiningOp<tensor::EmptyOp>() ||
        !isFloat(first.getSource(), 0.0))
      return false;
    ArrayRef<int64_t> whole = shapeOf(cat.value);
    SmallVector<int64_t> zeros(5, 0), next{0, 1, 0, 0, 0};
    if (first.getStaticOffsets() != ArrayRef<int64_t>(zeros) ||
        shapeOf(first.getSource()) !=
            ArrayRef<int64_t>{whole[0], 1, whole[2], whole[3], whole[4]} ||
        states.getStaticOffsets() != ArrayRef<int64_t>(next) ||
        shapeOf(states.getSource()) !=
            ArrayRef<int64_t>{whole[0], whole[1] - 1, whole[2], whole[3], whole[4]})
      return false;
    return matchChunkStates(Named{states.getSource(), name({"b", "c", "h", "p", "n"})}, name,
                            parts);
  }

  /// `(C states^T).sum(-1) * exp(A_cumsum)`: the contribution of the states entering each
  /// chunk.
  static bool matchOffDiagonal(const Named &yOff, const Namer &name, SSDParts &parts) {
    for (auto [cs, decay] : eitherOrder(binaryOf<arith::MulFOp>(yOff))) {
      std::optional<Named> product = sumOf(look(cs), "n");
      std::optional<Named> cum = expOf(look(decay));
      if (!product || !cum || !isCumsum(look(*cum), name, parts))
        continue;
      for (auto [c, entering] : eitherOrder(binaryOf<arith::MulFOp>(*product))) {
        Named cc = look(c), st = look(entering);
        if (cc.value != parts.cChunks || cc.labels != name({"b", "cl", "h", "n"}) ||
            st.labels != name({"b", "c", "h", "p", "n"}) || !matchStatePassing(st, name, parts))
          continue;
        return true;
      }
    }
    return false;
  }

  LogicalResult matchAndRewrite(tensor::ReshapeOp merge, PatternRewriter &rewriter) const override {
    // (b, c, l, h, p) -> (b, c * l, h, p): the chunks back into one sequence.
    Value chunked = merge.getSource();
    if (!isStatic(chunked) || !isStatic(merge.getResult()) || shapeOf(chunked).size() != 5)
      return failure();
    ArrayRef<int64_t> s = shapeOf(chunked);
    if (shapeOf(merge.getResult()) != ArrayRef<int64_t>{s[0], s[1] * s[2], s[3], s[4]} ||
        !cast<ShapedType>(chunked.getType()).getElementType().isF32())
      return failure();
    Namer name;
    name.extent = {{'b', s[0]}, {'c', s[1]}, {'l', s[2]},     {'s', s[2]},
                   {'h', s[3]}, {'p', s[4]}, {'w', s[1] + 1}, {'z', s[1] + 1}};
    Named sum{chunked, name({"b", "c", "l", "h", "p"})};
    SSDParts parts;
    bool found = false;
    for (auto [yDiag, yOff] : eitherOrder(binaryOf<arith::AddFOp>(sum))) {
      if (found)
        break;
      found = matchDiagonal(look(yDiag), name, parts) && matchOffDiagonal(look(yOff), name, parts);
    }
    if (!found)
      return rewriter.notifyMatchFailure(merge, "not transformers' chunked SSD");
    return rewriteFound(merge, name, parts, rewriter);
  }

  LogicalResult rewriteFound(tensor::ReshapeOp merge, const Namer &name, SSDParts &parts,
                             PatternRewriter &rewriter) const {
    Location loc = merge.getLoc();
    Labels seq{"b", "T", "h", "p"};
    // After the merge: `+ D[..., None] * pad(x)`, then `[:, :L]` (both optional).
    Value y = merge.getResult();
    Value residual;
    if (y.hasOneUse()) {
      Value sum = (*y.getUsers().begin())->getResult(0);
      Named user{sum, normalized(sum, seq)};
      for (auto [same, dx] : eitherOrder(binaryOf<arith::AddFOp>(user)))
        if (same.value == y && same.labels == user.labels) {
          residual = dx.value;
          y = user.value;
          break;
        }
    }
    int64_t length = shapeOf(y)[1];
    if (y.hasOneUse())
      if (auto slice = dyn_cast<tensor::ExtractSliceOp>(*y.getUsers().begin())) {
        ArrayRef<int64_t> full = shapeOf(y);
        if (slice.hasUnitStride() && slice.getType().getRank() == 4 &&
            llvm::all_of(slice.getStaticOffsets(), [](int64_t o) { return o == 0; }) &&
            slice.getStaticSizes()[0] == full[0] && slice.getStaticSizes()[2] == full[2] &&
            slice.getStaticSizes()[3] == full[3] && isStatic(slice.getResult())) {
          y = slice.getResult();
          length = shapeOf(y)[1];
        }
      }
    ArrayRef<int64_t> out = shapeOf(y);
    int64_t batch = out[0], heads = out[2], headDim = out[3];
    SmallVector<int64_t> xShape{batch, length, heads, headDim}, dtShape{batch, length, heads},
        dShape;
    auto sequence = [&](Value chunks, const Labels &labels) {
      Named n = unpadded(Named{chunks, normalized(chunks, labels)}, 1);
      return shapeOf(n.value)[1] == length ? std::optional<Named>(n) : std::nullopt;
    };

    // x * dt and A * dt, before padding and chunking.
    Value x, dt, A;
    std::optional<Named> xdt = sequence(parts.xChunks, seq);
    std::optional<Named> adt = sequence(parts.aChunks, {"b", "T", "h"});
    if (!xdt || !adt)
      return rewriter.notifyMatchFailure(merge, "the chunks are not the padded sequence");
    for (auto [xv, dtv] : eitherOrder(binaryOf<arith::MulFOp>(*xdt))) {
      x = findDims(xv, seq, xShape);
      dt = findDims(dtv, {"b", "T", "h"}, dtShape);
      if (fits(x, xShape) && fits(dt, dtShape))
        break;
      x = dt = nullptr;
    }
    for (auto [av, dtv] : eitherOrder(binaryOf<arith::MulFOp>(*adt))) {
      A = findDims(av, {"h"}, {heads});
      if (fits(A, {heads}) && dt && findDims(dtv, {"b", "T", "h"}, dtShape) == dt)
        break;
      A = nullptr;
    }
    auto [B, bShape] = groups(parts.bChunks, length);
    auto [C, cShape] = groups(parts.cChunks, length);
    if (!x || !dt || !A || !B || !C || bShape != cShape)
      return rewriter.notifyMatchFailure(merge, "x, dt, A, B or C not found");
    int64_t groupCount = bShape[2];
    if (heads % groupCount != 0 || !isF32({x, dt, A, B, C}))
      return rewriter.notifyMatchFailure(merge, "groups or element types do not fit ssm.ssd");

    // D[..., None] * pad(x).
    Value D;
    if (residual) {
      Named skip{residual, normalized(residual, seq)};
      for (auto [dv, xv] : eitherOrder(binaryOf<arith::MulFOp>(skip))) {
        std::optional<Named> xs = sequence(xv.value, xv.labels);
        if (!xs || findDims(*xs, seq, xShape) != x)
          continue;
        D = findDims(dv, {"h"}, {heads});
        dShape = {heads};
        if (!fits(D, dShape)) {
          D = findDims(dv, {"h", "p"}, {heads, headDim});
          dShape = {heads, headDim};
        }
        if (fits(D, dShape))
          break;
        D = nullptr;
      }
      if (!D || !isF32({D}))
        return rewriter.notifyMatchFailure(merge, "the skip term is not D * x");
    }

    // dt = clamp(softplus(dt + dt_bias), lo, hi), folded into the op where written so.
    auto [dtIn, bias, softplus, lo, hi] = dtSteps(dt, heads);
    if (!dtIn)
      return rewriter.notifyMatchFailure(merge, "dt is not known to be non-negative");
    int64_t stateSize = bShape[3];
    x = fit(rewriter, loc, x, xShape);
    dtIn = fit(rewriter, loc, dtIn, dtShape);
    A = fit(rewriter, loc, A, {heads});
    B = fit(rewriter, loc, B, bShape);
    C = fit(rewriter, loc, C, cShape);
    if (D)
      D = fit(rewriter, loc, D, dShape);
    if (bias)
      bias = fit(rewriter, loc, bias, {heads});
    auto ssd = ssm::SSDOp::create(
        rewriter, loc, y.getType(),
        RankedTensorType::get({batch, heads, headDim, stateSize}, rewriter.getF32Type()), x, dtIn,
        A, B, C, D, /*z=*/Value(), bias, /*h0=*/Value(), softplus, APFloat(lo), APFloat(hi),
        static_cast<uint64_t>(shapeOf(merge.getSource())[2]));
    rewriter.replaceAllUsesWith(y, ssd.getY());
    return success();
  }

  static bool isF32(std::initializer_list<Value> values) {
    return llvm::all_of(
        values, [](Value v) { return cast<ShapedType>(v.getType()).getElementType().isF32(); });
  }

  /// The value on the way back from `n` through data-moving ops whose non-unit dimensions
  /// are `want`: the first of that `shape`, else the first with other unit dimensions.
  static Value findDims(Named n, const Labels &want, ArrayRef<int64_t> shape) {
    Labels wanted;
    for (auto [label, size] : llvm::zip(want, shape))
      if (size != 1)
        wanted.push_back(label);
    Value first;
    while (true) {
      Labels kept;
      for (const std::string &l : n.labels)
        if (!l.empty())
          kept.push_back(l);
      if (kept == wanted) {
        if (shapeOf(n.value) == shape)
          return n.value;
        if (!first)
          first = n.value;
      }
      std::optional<Named> next = viewStep(n);
      if (!next)
        return first;
      n = *next;
    }
  }

  /// `v` reshaped to `shape`, which differs from its own in unit dimensions only.
  static Value fit(PatternRewriter &rewriter, Location loc, Value v, ArrayRef<int64_t> shape) {
    auto from = cast<RankedTensorType>(v.getType());
    if (!v || from.getShape() == shape)
      return v;
    auto to = RankedTensorType::get(shape, from.getElementType());
    SmallVector<ReassociationIndices> groups = *getReassociationIndicesForReshape(from, to);
    if (to.getRank() < from.getRank())
      return tensor::CollapseShapeOp::create(rewriter, loc, to, v, groups);
    return tensor::ExpandShapeOp::create(rewriter, loc, to, v, groups);
  }

  /// Whether `v` (found by findDims) can be reshaped to `shape`.
  static bool fits(Value v, ArrayRef<int64_t> shape) {
    if (!v)
      return false;
    auto from = cast<RankedTensorType>(v.getType());
    return from.getShape() == shape ||
           (from.getRank() != static_cast<int64_t>(shape.size()) &&
            getReassociationIndicesForReshape(from,
                                              RankedTensorType::get(shape, from.getElementType())));
  }

  /// B or C as (b, L, G, N) from its padded chunks, and that shape: transformers repeats
  /// each group's columns for the heads of the group (`repeat_interleave`), undone here.
  static std::pair<Value, SmallVector<int64_t>> groups(Value chunks, int64_t length) {
    Named heads = unpadded(Named{chunks, normalized(chunks, {"b", "T", "h", "n"})}, 1);
    SmallVector<int64_t> s(shapeOf(heads.value));
    if (s.size() != 4 || s[1] != length)
      return {};
    if (auto reshape = heads.value.getDefiningOp<tensor::ReshapeOp>()) {
      Value repeated = reshape.getSource();
      if (isStatic(repeated) && shapeOf(repeated).size() == 5) {
        ArrayRef<int64_t> r = shapeOf(repeated);
        SmallVector<int64_t> grouped{s[0], s[1], r[2], s[3]};
        if (r[0] == s[0] && r[1] == s[1] && r[2] * r[3] == s[2] && r[4] == s[3]) {
          Named named{repeated, normalized(repeated, {"b", "T", "g", "r", "n"})};
          if (Value v = findDims(named, {"b", "T", "g", "n"}, grouped); fits(v, grouped))
            return {v, grouped};
        }
      }
    }
    Value v = findDims(heads, {"b", "T", "h", "n"}, s);
    return fits(v, s) ? std::make_pair(v, s) : std::pair<Value, SmallVector<int64_t>>{};
  }

  struct DtSteps {
    Value dt, bias;
    bool softplus;
    float lo, hi;
  };

  /// Peels `clamp(softplus(dt + bias), lo, hi)` off `dt` as far as it is written so. Returns
  /// a null dt when the result could be negative (ssm.ssd clamps at dt_min >= 0).
  static DtSteps dtSteps(Value dt, int64_t heads) {
    DtSteps steps{dt, nullptr, false, 0.0f, std::numeric_limits<float>::infinity()};
    bool clamped = false;
    if (auto op = dt.getDefiningOp<linalg::GenericOp>();
        op && op.getNumDpsInputs() == 3 && op.getNumParallelLoops() == op.getNumLoops()) {
      auto min = yielded(op).getDefiningOp<arith::MinimumFOp>();
      auto max = min ? min.getLhs().getDefiningOp<arith::MaximumFOp>() : nullptr;
      if (max && argNumber(op, max.getLhs()) == 0 &&
          op.getMatchingIndexingMap(op.getDpsInputOperand(0)).isIdentity()) {
        auto scalar = [&](Value v) -> std::optional<double> {
          int i = argNumber(op, v);
          DenseFPElementsAttr dense;
          if (i < 1 || i > 2 || !matchPattern(op.getDpsInputs()[i], m_Constant(&dense)) ||
              !dense.isSplat())
            return std::nullopt;
          return dense.getSplatValue<APFloat>().convertToDouble();
        };
        std::optional<double> lo = scalar(max.getRhs()), hi = scalar(min.getRhs());
        if (lo && hi && *lo >= 0 && *lo <= *hi) {
          steps = {op.getDpsInputs()[0], nullptr, false, static_cast<float>(*lo),
                   static_cast<float>(*hi)};
          clamped = true;
        }
      }
    }
    if (auto softplus = steps.dt.getDefiningOp<ssm::SoftplusOp>()) {
      steps.softplus = true;
      steps.dt = softplus.getX();
      Named sum{steps.dt, normalized(steps.dt, {"b", "T", "h"})};
      for (auto [raw, bias] : eitherOrder(binaryOf<arith::AddFOp>(sum)))
        if (raw.labels == sum.labels && isStatic(raw.value))
          if (Value b = findDims(bias, {"h"}, {heads}); fits(b, {heads}) && isF32({b})) {
            steps.dt = raw.value;
            steps.bias = b;
            break;
          }
    }
    if (!clamped && !steps.softplus)
      steps.dt = nullptr;
    return steps;
  }
};

} // namespace

void mlir::ssm::populateRaiseSSDPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseSSD>(patterns.getContext());
}
