//===- SSMToLoops.cpp - the ssm ops as memref loop nests ------------------===//
//
// One pattern per op. Each reads its operands through `bufferization.to_buffer`, allocates
// its results, checks at run time the dimension relations the verifier could not see, and
// emits an outer `scf.parallel` over independent rows with sequential loops inside. The
// arithmetic follows the op descriptions in SSMOps.td, in f32.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoopEmitter.h"
#include "passes/Conversion/LowerToLoops.h"

#include "dialects/ssm/SSMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::ssm;

namespace {

/// Buffers of the operands of one op, or null for absent optional operands.
Value optionalBuffer(OpBuilder &b, Location loc, Value tensor) {
  return tensor ? bufferOf(b, loc, tensor) : Value();
}

/// The index of group `g = c / (C / G)` that channel `c` belongs to. `perGroup` is C / G,
/// clamped to at least 1 so that bad shapes (rejected by a run-time check before any kernel
/// runs) can never divide by zero here.
Value groupOf(Emitter &e, Value channel, Value perGroup) { return e.divi(channel, perGroup); }

Value channelsPerGroup(Emitter &e, Value channels, Value groups) {
  Value one = e.index(1);
  Value safeGroups = arith::MaxUIOp::create(e.builder(), e.location(), groups, one);
  return arith::MaxUIOp::create(e.builder(), e.location(), e.divi(channels, safeGroups), one);
}

/// A new f32 buffer holding `src` with its last two dimensions swapped, filled by a parallel
/// loop nest over the leading dimensions.
Value transposeLastTwo(OpBuilder &b, Location loc, Value src) {
  Emitter e(b, loc);
  auto type = cast<MemRefType>(src.getType());
  int64_t rank = type.getRank();
  SmallVector<Value> sizes, swapped;
  for (int64_t i = 0; i < rank; ++i)
    sizes.push_back(e.dim(src, i));
  swapped = sizes;
  std::swap(swapped[rank - 1], swapped[rank - 2]);
  SmallVector<int64_t> shape(type.getShape());
  std::swap(shape[rank - 1], shape[rank - 2]);
  auto destType = MemRefType::get(shape, b.getF32Type());
  Value dest = memref::AllocOp::create(b, loc, destType, dynamicSizes(destType, swapped));
  SmallVector<Value> rows(ArrayRef<Value>(swapped).drop_back());
  buildParallel(b, loc, rows, [&](OpBuilder &pb, Location pl, ValueRange ivs) {
    buildFor(pb, pl, Emitter(pb, pl).index(0), swapped.back(), {},
             [&](OpBuilder &fb, Location fl, Value j, ValueRange) -> SmallVector<Value> {
               Emitter f(fb, fl);
               SmallVector<Value> from(ivs), to(ivs);
               from.back() = j;
               from.push_back(ivs.back());
               to.push_back(j);
               f.store(f.load(src, from), dest, to);
               return {};
             });
  });
  return dest;
}

/// Copies `count` f32 values from a stack buffer into `dest[prefix..., i]`.
void storeRow(OpBuilder &b, Location loc, Value src, Value count, Value dest, ValueRange prefix) {
  Emitter e(b, loc);
  buildFor(b, loc, e.index(0), count, {},
           [&](OpBuilder &fb, Location fl, Value i, ValueRange) -> SmallVector<Value> {
             Emitter f(fb, fl);
             SmallVector<Value> idx(prefix);
             idx.push_back(i);
             f.store(memref::LoadOp::create(fb, fl, src, i), dest, idx);
             return {};
           });
}

/// Fills a stack buffer of `count` values from `init[prefix..., i]`, or with zeros.
void loadRow(OpBuilder &b, Location loc, Value dest, Value count, Value init, ValueRange prefix) {
  Emitter e(b, loc);
  buildFor(b, loc, e.index(0), count, {},
           [&](OpBuilder &fb, Location fl, Value i, ValueRange) -> SmallVector<Value> {
             Emitter f(fb, fl);
             SmallVector<Value> idx(prefix);
             idx.push_back(i);
             Value v = init ? f.load(init, idx) : f.f32(0.0);
             memref::StoreOp::create(fb, fl, v, dest, i);
             return {};
           });
}

//===----------------------------------------------------------------------===//
// ssm.discretize
//===----------------------------------------------------------------------===//

struct LowerDiscretize : OpRewritePattern<DiscretizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DiscretizeOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Checker check(e, env, "ssm.discretize");
    Value dt = bufferOf(rewriter, loc, op.getDt());
    Value a = bufferOf(rewriter, loc, op.getA());
    Value bIn = optionalBuffer(rewriter, loc, op.getB());
    auto type = cast<RankedTensorType>(op.getDt().getType());
    SmallVector<Value> sizes;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      sizes.push_back(e.dim(dt, i));
      check.equalDims(a, i, "A", dt, i, "dt");
      if (bIn)
        check.equalDims(bIn, i, "B", dt, i, "dt");
    }
    auto resultType = cast<RankedTensorType>(op.getAbar().getType());
    Value abar = allocResult(rewriter, loc, resultType, dynamicSizes(resultType, sizes));
    Value bbar =
        bIn ? allocResult(rewriter, loc, resultType, dynamicSizes(resultType, sizes)) : Value();
    DiscretizeMethod method = op.getMethod();
    buildParallel(rewriter, loc, sizes, [&](OpBuilder &b, Location l, ValueRange ivs) {
      Emitter k(b, l);
      Value dtv = k.load(dt, ivs), av = k.load(a, ivs);
      Value dA = k.mul(dtv, av);
      Value aOut, scale; // Bbar = scale * B
      switch (method) {
      case DiscretizeMethod::zoh: {
        aOut = k.exp(dA);
        // (exp(dt A) - 1) / A, whose limit at A = 0 is dt.
        Value isZero = k.cmp(arith::CmpFPredicate::OEQ, av, k.f32(0.0));
        Value ratio = k.div(math::ExpM1Op::create(b, l, dA), av);
        scale = k.select(isZero, dtv, ratio);
        break;
      }
      case DiscretizeMethod::euler:
        aOut = k.add(k.f32(1.0), dA);
        scale = dtv;
        break;
      case DiscretizeMethod::bilinear: {
        Value half = k.mul(dA, k.f32(0.5));
        Value den = k.sub(k.f32(1.0), half);
        aOut = k.div(k.add(k.f32(1.0), half), den);
        scale = k.div(dtv, den);
        break;
      }
      case DiscretizeMethod::mamba:
        aOut = k.exp(dA);
        scale = dtv;
        break;
      }
      k.store(aOut, abar, ivs);
      if (bIn)
        k.store(k.mul(scale, k.load(bIn, ivs)), bbar, ivs);
    });
    SmallVector<Value> results{tensorOf(rewriter, loc, abar)};
    if (bIn)
      results.push_back(tensorOf(rewriter, loc, bbar));
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// ssm.scan and ssm.associative_scan: sequential along one dimension
//===----------------------------------------------------------------------===//

/// The indices of a full tensor from the indices of the other dimensions and `t` at `dim`.
SmallVector<Value> insertIndex(ValueRange others, int64_t dim, Value t) {
  SmallVector<Value> idx(others);
  idx.insert(idx.begin() + dim, t);
  return idx;
}

/// The sizes of all dimensions but `dim`.
SmallVector<Value> sizesWithout(ArrayRef<Value> sizes, int64_t dim) {
  SmallVector<Value> rest(sizes);
  rest.erase(rest.begin() + dim);
  return rest;
}

/// Position `i` of a forward or reversed traversal of [0, length).
Value stepIndex(Emitter &e, Value i, Value length, bool reverse) {
  return reverse ? e.subi(e.subi(length, e.index(1)), i) : i;
}

struct LowerScan : OpRewritePattern<ScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScanOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Checker check(e, env, "ssm.scan");
    Value a = bufferOf(rewriter, loc, op.getA()), bIn = bufferOf(rewriter, loc, op.getB());
    Value h0 = optionalBuffer(rewriter, loc, op.getH0());
    int64_t dim = op.getDim();
    bool reverse = op.getReverse();
    auto type = cast<RankedTensorType>(op.getA().getType());
    SmallVector<Value> sizes;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      sizes.push_back(e.dim(a, i));
      check.equalDims(bIn, i, "b", a, i, "a");
      if (h0 && i != dim)
        check.equalDims(h0, i < dim ? i : i - 1, "h0", a, i, "a");
    }
    SmallVector<Value> rest = sizesWithout(sizes, dim);
    auto hType = cast<RankedTensorType>(op.getH().getType());
    auto lastType = cast<RankedTensorType>(op.getHLast().getType());
    Value h = allocResult(rewriter, loc, hType, dynamicSizes(hType, sizes));
    Value last = allocResult(rewriter, loc, lastType, dynamicSizes(lastType, rest));
    Value length = sizes[dim];
    buildParallel(rewriter, loc, rest, [&](OpBuilder &b, Location l, ValueRange ivs) {
      Emitter k(b, l);
      Value init = h0 ? k.load(h0, ivs) : k.f32(0.0);
      Value final = buildFor(b, l, k.index(0), length, {init},
                             [&](OpBuilder &fb, Location fl, Value i, ValueRange state) {
                               Emitter f(fb, fl);
                               SmallVector<Value> idx =
                                   insertIndex(ivs, dim, stepIndex(f, i, length, reverse));
                               Value next = f.fma(f.load(a, idx), state[0], f.load(bIn, idx));
                               f.store(next, h, idx);
                               return SmallVector<Value>{next};
                             })
                        .front();
      k.store(final, last, ivs);
    });
    rewriter.replaceOp(op, {tensorOf(rewriter, loc, h), tensorOf(rewriter, loc, last)});
    return success();
  }
};

struct LowerAssociativeScan : OpRewritePattern<AssociativeScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AssociativeScanOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Checker check(e, env, "ssm.associative_scan");
    SmallVector<Value> inputs, outputs;
    for (Value input : op.getInputs())
      inputs.push_back(bufferOf(rewriter, loc, input));
    int64_t dim = op.getDim();
    bool reverse = op.getReverse();
    auto type = cast<RankedTensorType>(op.getInputs().front().getType());
    SmallVector<Value> sizes;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      sizes.push_back(e.dim(inputs.front(), i));
      for (Value input : llvm::drop_begin(inputs))
        check.equalDims(input, i, "input", inputs.front(), i, "input #0");
    }
    for (Value result : op.getResults()) {
      auto resultType = cast<RankedTensorType>(result.getType());
      outputs.push_back(allocResult(rewriter, loc, resultType, dynamicSizes(resultType, sizes)));
    }
    Value length = sizes[dim];
    Block &combiner = op.getCombiner().front();
    size_t n = inputs.size();
    buildParallel(
        rewriter, loc, sizesWithout(sizes, dim), [&](OpBuilder &b, Location l, ValueRange ivs) {
          Emitter k(b, l);
          // Nothing to scan over an empty dimension.
          Value nonEmpty = k.cmpi(arith::CmpIPredicate::ugt, length, k.index(0));
          scf::IfOp::create(b, l, nonEmpty, [&](OpBuilder &ib, Location il) {
            Emitter f(ib, il);
            SmallVector<Value> first =
                insertIndex(ivs, dim, stepIndex(f, f.index(0), length, reverse));
            SmallVector<Value> acc;
            for (auto [input, output] : llvm::zip(inputs, outputs)) {
              Value v = memref::LoadOp::create(ib, il, input, first);
              memref::StoreOp::create(ib, il, v, output, first);
              acc.push_back(v);
            }
            buildFor(
                ib, il, f.index(1), length, acc,
                [&](OpBuilder &fb, Location fl, Value i, ValueRange state) {
                  Emitter g(fb, fl);
                  SmallVector<Value> idx = insertIndex(ivs, dim, stepIndex(g, i, length, reverse));
                  IRMapping mapping;
                  for (size_t j = 0; j < n; ++j) {
                    mapping.map(combiner.getArgument(j), state[j]);
                    mapping.map(combiner.getArgument(n + j),
                                memref::LoadOp::create(fb, fl, inputs[j], idx));
                  }
                  for (Operation &inner : combiner.without_terminator())
                    fb.clone(inner, mapping);
                  SmallVector<Value> next;
                  for (auto [j, v] : llvm::enumerate(combiner.getTerminator()->getOperands())) {
                    next.push_back(mapping.lookupOrDefault(v));
                    memref::StoreOp::create(fb, fl, next.back(), outputs[j], idx);
                  }
                  return next;
                });
            scf::YieldOp::create(ib, il);
          });
        });
    SmallVector<Value> results;
    for (Value output : outputs)
      results.push_back(tensorOf(rewriter, loc, output));
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// ssm.selective_scan: fused, one (batch, channel) row per parallel iteration
//===----------------------------------------------------------------------===//

struct LowerSelectiveScan : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelectiveScanOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    SelectiveScanBuffers ops = prepareSelectiveScan(rewriter, op, env);
    Emitter e(rewriter, loc);
    Value u = ops.u, delta = ops.delta, a = ops.a, bIn = ops.b, cIn = ops.c, d = ops.d, z = ops.z,
          bias = ops.bias, h0 = ops.h0, y = ops.y, hLast = ops.hLast;
    Value channels = ops.channels, batch = ops.batch, length = ops.length, n = ops.n,
          perGroup = ops.perGroup;
    bool softplus = op.getDeltaSoftplus();

    // B and C are read along N at each step; in (B, G, N, L) that is a stride of L. A copy in
    // (B, G, L, N), made once for all channels, makes those reads contiguous and vectorizable.
    Value bT = transposeLastTwo(rewriter, loc, bIn), cT = transposeLastTwo(rewriter, loc, cIn);

    // One (batch, channel) row per parallel iteration, the sequence in tiles of kTile steps:
    // the step sizes of a tile first (contiguous in t: vectorizable), then the recurrence (the
    // N lanes of the state vectorized), then the skip and gate (vectorizable again).
    constexpr int64_t kTile = 128;
    buildParallel(rewriter, loc, {batch, channels}, [&](OpBuilder &b, Location l, ValueRange ivs) {
      Value bi = ivs[0], ch = ivs[1];
      withStackScope(b, l, [&](OpBuilder &sb, Location sl) {
        Emitter k(sb, sl);
        Value g = groupOf(k, ch, perGroup);
        Value h = stackBuffer(sb, sl, n);
        Value steps = stackBuffer(sb, sl, k.index(kTile));
        Value partial = stackBuffer(sb, sl, k.index(kTile));
        loadRow(sb, sl, h, n, h0, {bi, ch});
        Value skip = d ? k.load(d, ch) : Value();
        Value dtBias = bias ? k.load(bias, ch) : Value();
        Value tiles = arith::CeilDivUIOp::create(sb, sl, length, k.index(kTile));
        buildFor(sb, sl, k.index(0), tiles, {},
                 [&](OpBuilder &ob, Location ol, Value tile, ValueRange) -> SmallVector<Value> {
                   Emitter o(ob, ol);
                   Value start = o.muli(tile, o.index(kTile));
                   Value count = o.mini(o.index(kTile), o.subi(length, start));
                   auto overTile = [&](function_ref<void(Emitter &, Value, Value)> body) {
                     buildFor(ob, ol, o.index(0), count, {},
                              [&](OpBuilder &ib, Location il, Value i,
                                  ValueRange) -> SmallVector<Value> {
                                Emitter f(ib, il);
                                body(f, i, f.addi(start, i));
                                return {};
                              });
                   };
                   overTile([&](Emitter &f, Value i, Value t) {
                     Value dt = f.load(delta, {bi, ch, t});
                     if (dtBias)
                       dt = f.add(dt, dtBias);
                     if (softplus)
                       dt = f.softplus(dt);
                     memref::StoreOp::create(f.builder(), f.location(), dt, steps, i);
                   });
                   overTile([&](Emitter &f, Value i, Value t) {
                     OpBuilder &tb = f.builder();
                     Location tl = f.location();
                     Value dt = memref::LoadOp::create(tb, tl, steps, i);
                     Value dtu = f.mul(dt, f.load(u, {bi, ch, t}));
                     Value acc =
                         buildFor(tb, tl, f.index(0), n, {f.f32(0.0)},
                                  [&](OpBuilder &nb, Location nl, Value j, ValueRange sum) {
                                    Emitter r(nb, nl);
                                    Value decay = r.exp(r.mul(dt, r.load(a, {ch, j})));
                                    Value input = r.mul(dtu, r.load(bT, {bi, g, t, j}));
                                    Value next =
                                        r.fma(decay, memref::LoadOp::create(nb, nl, h, j), input);
                                    memref::StoreOp::create(nb, nl, next, h, j);
                                    return SmallVector<Value>{
                                        r.accumulate(r.load(cT, {bi, g, t, j}), next, sum[0])};
                                  })
                             .front();
                     memref::StoreOp::create(tb, tl, acc, partial, i);
                   });
                   overTile([&](Emitter &f, Value i, Value t) {
                     Value acc = memref::LoadOp::create(f.builder(), f.location(), partial, i);
                     if (skip)
                       acc = f.fma(skip, f.load(u, {bi, ch, t}), acc);
                     if (z)
                       acc = f.mul(acc, f.silu(f.load(z, {bi, ch, t})));
                     f.store(acc, y, {bi, ch, t});
                   });
                   return {};
                 });
        storeRow(sb, sl, h, n, hLast, {bi, ch});
      });
    });
    rewriter.replaceOp(op, {tensorOf(rewriter, loc, y), tensorOf(rewriter, loc, hLast)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// ssm.ssd: fused recurrent form, one (batch, head, p) row of the state per parallel iteration
//===----------------------------------------------------------------------===//

struct LowerSSD : OpRewritePattern<SSDOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SSDOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Checker check(e, env, "ssm.ssd");
    Value x = bufferOf(rewriter, loc, op.getX()), dtIn = bufferOf(rewriter, loc, op.getDt());
    Value a = bufferOf(rewriter, loc, op.getA());
    Value bIn = bufferOf(rewriter, loc, op.getB()), cIn = bufferOf(rewriter, loc, op.getC());
    Value d = optionalBuffer(rewriter, loc, op.getD());
    Value z = optionalBuffer(rewriter, loc, op.getZ());
    Value bias = optionalBuffer(rewriter, loc, op.getDtBias());
    Value h0 = optionalBuffer(rewriter, loc, op.getH0());

    for (int64_t i = 0; i < 3; ++i)
      check.equalDims(dtIn, i, "dt", x, i, "x");
    if (z)
      for (int64_t i = 0; i < 4; ++i)
        check.equalDims(z, i, "z", x, i, "x");
    check.equalDims(a, 0, "A", x, 2, "x");
    check.equalDims(bIn, 0, "B", x, 0, "x");
    check.equalDims(bIn, 1, "B", x, 1, "x");
    for (int64_t i = 0; i < 4; ++i)
      check.equalDims(cIn, i, "C", bIn, i, "B");
    bool dPerChannel = d && cast<ShapedType>(d.getType()).getRank() == 2;
    if (d) {
      check.equalDims(d, 0, "D", x, 2, "x");
      if (dPerChannel)
        check.equalDims(d, 1, "D", x, 3, "x");
    }
    if (bias)
      check.equalDims(bias, 0, "dt_bias", x, 2, "x");
    if (h0) {
      check.equalDims(h0, 0, "h0", x, 0, "x");
      check.equalDims(h0, 1, "h0", x, 2, "x");
      check.equalDims(h0, 2, "h0", x, 3, "x");
      check.equalDims(h0, 3, "h0", bIn, 3, "B");
    }
    Value batch = e.dim(x, 0), length = e.dim(x, 1), heads = e.dim(x, 2), p = e.dim(x, 3);
    Value groups = e.dim(bIn, 2), n = e.dim(bIn, 3);
    if (cast<ShapedType>(bIn.getType()).isDynamicDim(2) ||
        cast<ShapedType>(x.getType()).isDynamicDim(2))
      check.divides(groups, heads, "the groups G of 'B' must divide H of 'x'");
    Value perGroup = channelsPerGroup(e, heads, groups);

    auto yType = cast<RankedTensorType>(op.getY().getType());
    auto sType = cast<RankedTensorType>(op.getFinalState().getType());
    Value y = allocResult(rewriter, loc, yType, dynamicSizes(yType, {batch, length, heads, p}));
    Value final = allocResult(rewriter, loc, sType, dynamicSizes(sType, {batch, heads, p, n}));
    bool softplus = op.getDtSoftplus();
    float dtMin = op.getDtMin().convertToFloat(), dtMax = op.getDtMax().convertToFloat();

    buildParallel(rewriter, loc, {batch, heads, p}, [&](OpBuilder &b, Location l, ValueRange ivs) {
      Value bi = ivs[0], hi = ivs[1], pi = ivs[2];
      withStackScope(b, l, [&](OpBuilder &sb, Location sl) {
        Emitter k(sb, sl);
        Value g = groupOf(k, hi, perGroup);
        Value state = stackBuffer(sb, sl, n);
        loadRow(sb, sl, state, n, h0, {bi, hi, pi});
        Value aH = k.load(a, hi);
        Value skip = d ? (dPerChannel ? k.load(d, {hi, pi}) : k.load(d, hi)) : Value();
        Value dtBias = bias ? k.load(bias, hi) : Value();
        buildFor(sb, sl, k.index(0), length, {},
                 [&](OpBuilder &tb, Location tl, Value t, ValueRange) -> SmallVector<Value> {
                   Emitter s(tb, tl);
                   Value dt = s.load(dtIn, {bi, t, hi});
                   if (dtBias)
                     dt = s.add(dt, dtBias);
                   if (softplus)
                     dt = s.softplus(dt);
                   // The clamp always applies: without softplus a negative step becomes
                   // dt_min (0 by default).
                   dt = s.max(dt, s.f32(dtMin));
                   if (dtMax < std::numeric_limits<float>::infinity())
                     dt = s.min(dt, s.f32(dtMax));
                   Value decay = s.exp(s.mul(dt, aH));
                   Value xv = s.load(x, {bi, t, hi, pi});
                   Value dtx = s.mul(dt, xv);
                   Value acc =
                       buildFor(tb, tl, s.index(0), n, {s.f32(0.0)},
                                [&](OpBuilder &nb, Location nl, Value j, ValueRange sum) {
                                  Emitter r(nb, nl);
                                  Value input = r.mul(dtx, r.load(bIn, {bi, t, g, j}));
                                  Value next =
                                      r.fma(decay, memref::LoadOp::create(nb, nl, state, j), input);
                                  memref::StoreOp::create(nb, nl, next, state, j);
                                  return SmallVector<Value>{
                                      r.accumulate(r.load(cIn, {bi, t, g, j}), next, sum[0])};
                                })
                           .front();
                   if (skip)
                     acc = s.fma(skip, xv, acc);
                   if (z)
                     acc = s.mul(acc, s.silu(s.load(z, {bi, t, hi, pi})));
                   s.store(acc, y, {bi, t, hi, pi});
                   return {};
                 });
        storeRow(sb, sl, state, n, final, {bi, hi, pi});
      });
    });
    rewriter.replaceOp(op, {tensorOf(rewriter, loc, y), tensorOf(rewriter, loc, final)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// The chunked SSD steps
//===----------------------------------------------------------------------===//

struct LowerSegsum : OpRewritePattern<SegsumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SegsumOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Value x = bufferOf(rewriter, loc, op.getX());
    auto type = cast<RankedTensorType>(op.getX().getType());
    int64_t rank = type.getRank();
    SmallVector<Value> sizes;
    for (int64_t i = 0; i < rank; ++i)
      sizes.push_back(e.dim(x, i));
    Value length = sizes.back();
    SmallVector<Value> outSizes(sizes);
    outSizes.push_back(length);
    auto outType = cast<RankedTensorType>(op.getResult().getType());
    Value out = allocResult(rewriter, loc, outType, dynamicSizes(outType, outSizes));
    // One row i of the output per parallel iteration: walk j from i down, adding x[j + 1].
    buildParallel(rewriter, loc, sizes, [&](OpBuilder &b, Location l, ValueRange ivs) {
      Emitter k(b, l);
      SmallVector<Value> prefix(ivs.drop_back());
      Value i = ivs.back();
      auto at = [&](Value j) {
        SmallVector<Value> idx(prefix);
        idx.push_back(i);
        idx.push_back(j);
        return idx;
      };
      k.store(k.f32(0.0), out, at(i));
      buildFor(b, l, k.index(0), i, {k.f32(0.0)},
               [&](OpBuilder &fb, Location fl, Value step, ValueRange sum) {
                 Emitter f(fb, fl);
                 Value j = f.subi(f.subi(i, step), f.index(1)); // i-1 down to 0
                 SmallVector<Value> xIdx(prefix);
                 xIdx.push_back(f.addi(j, f.index(1)));
                 Value next = f.add(sum[0], f.load(x, xIdx));
                 f.store(next, out, at(j));
                 return SmallVector<Value>{next};
               });
      Value minusInf = k.f32(-std::numeric_limits<double>::infinity());
      buildFor(b, l, k.addi(i, k.index(1)), length, {},
               [&](OpBuilder &fb, Location fl, Value j, ValueRange) -> SmallVector<Value> {
                 Emitter(fb, fl).store(minusInf, out, at(j));
                 return {};
               });
    });
    rewriter.replaceOp(op, tensorOf(rewriter, loc, out));
    return success();
  }
};

/// Shared checks of the chunked steps: every operand's named dimensions against the first
/// operand that has them.
struct DimTable {
  struct Use {
    Value buffer;
    int64_t dim;
    std::string name;
  };
  llvm::StringMap<Use> first;
  void add(Checker &check, Value buffer, StringRef operand, ArrayRef<StringRef> dims) {
    for (auto [i, dim] : llvm::enumerate(dims)) {
      auto it = first.find(dim);
      if (it == first.end()) {
        first[dim] = Use{buffer, static_cast<int64_t>(i), operand.str()};
        continue;
      }
      check.equalDims(buffer, i, operand, it->second.buffer, it->second.dim, it->second.name);
      ;
    }
  }
  Value size(Emitter &e, StringRef dim) const {
    const Use &use = first.find(dim)->second;
    return e.dim(use.buffer, use.dim);
  }
};

struct LowerChunkState : OpRewritePattern<ChunkStateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ChunkStateOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Checker check(e, env, "ssm.chunk_state");
    Value bIn = bufferOf(rewriter, loc, op.getB()), x = bufferOf(rewriter, loc, op.getX());
    Value cs = bufferOf(rewriter, loc, op.getDACumsum());
    DimTable dims;
    dims.add(check, bIn, "B", {"b", "nc", "Q", "G", "N"});
    dims.add(check, x, "x", {"b", "nc", "Q", "H", "P"});
    dims.add(check, cs, "dA_cumsum", {"b", "H", "nc", "Q"});
    Value batch = dims.size(e, "b"), chunks = dims.size(e, "nc"), q = dims.size(e, "Q");
    Value heads = dims.size(e, "H"), p = dims.size(e, "P"), n = dims.size(e, "N");
    Value groups = dims.size(e, "G");
    check.divides(groups, heads, "the groups G of 'B' must divide H of 'x'");
    Value perGroup = channelsPerGroup(e, heads, groups);
    auto type = cast<RankedTensorType>(op.getStates().getType());
    Value states =
        allocResult(rewriter, loc, type, dynamicSizes(type, {batch, chunks, heads, p, n}));
    buildParallel(
        rewriter, loc, {batch, chunks, heads, p, n}, [&](OpBuilder &b, Location l, ValueRange ivs) {
          Emitter k(b, l);
          Value bi = ivs[0], c = ivs[1], h = ivs[2], pi = ivs[3], ni = ivs[4];
          Value g = groupOf(k, h, perGroup);
          Value sum = buildFor(b, l, k.index(0), q, {k.f32(0.0)},
                               [&](OpBuilder &fb, Location fl, Value s, ValueRange acc) {
                                 Emitter f(fb, fl);
                                 // Read inside the loop: with Q = 0 there is no last step.
                                 Value total = f.load(cs, {bi, h, c, f.subi(q, f.index(1))});
                                 Value decay = f.exp(f.sub(total, f.load(cs, {bi, h, c, s})));
                                 Value term = f.mul(f.load(bIn, {bi, c, s, g, ni}),
                                                    f.mul(decay, f.load(x, {bi, c, s, h, pi})));
                                 return SmallVector<Value>{f.add(acc[0], term)};
                               })
                          .front();
          k.store(sum, states, ivs);
        });
    rewriter.replaceOp(op, tensorOf(rewriter, loc, states));
    return success();
  }
};

struct LowerStatePassing : OpRewritePattern<StatePassingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(StatePassingOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Checker check(e, env, "ssm.state_passing");
    Value states = bufferOf(rewriter, loc, op.getStates());
    Value dA = bufferOf(rewriter, loc, op.getDAChunk());
    Value h0 = optionalBuffer(rewriter, loc, op.getH0());
    DimTable dims;
    dims.add(check, states, "states", {"b", "nc", "H", "P", "N"});
    dims.add(check, dA, "dA_chunk", {"b", "H", "nc"});
    if (h0)
      dims.add(check, h0, "h0", {"b", "H", "P", "N"});
    Value batch = dims.size(e, "b"), chunks = dims.size(e, "nc"), heads = dims.size(e, "H");
    Value p = dims.size(e, "P"), n = dims.size(e, "N");
    auto prevType = cast<RankedTensorType>(op.getPrevStates().getType());
    auto finalType = cast<RankedTensorType>(op.getFinalState().getType());
    Value prev =
        allocResult(rewriter, loc, prevType, dynamicSizes(prevType, {batch, chunks, heads, p, n}));
    Value final =
        allocResult(rewriter, loc, finalType, dynamicSizes(finalType, {batch, heads, p, n}));
    buildParallel(
        rewriter, loc, {batch, heads, p, n}, [&](OpBuilder &b, Location l, ValueRange ivs) {
          Emitter k(b, l);
          Value bi = ivs[0], h = ivs[1], pi = ivs[2], ni = ivs[3];
          Value init = h0 ? k.load(h0, ivs) : k.f32(0.0);
          Value last = buildFor(b, l, k.index(0), chunks, {init},
                                [&](OpBuilder &fb, Location fl, Value c, ValueRange s) {
                                  Emitter f(fb, fl);
                                  f.store(s[0], prev, {bi, c, h, pi, ni});
                                  Value decay = f.exp(f.load(dA, {bi, h, c}));
                                  return SmallVector<Value>{
                                      f.fma(decay, s[0], f.load(states, {bi, c, h, pi, ni}))};
                                })
                           .front();
          k.store(last, final, ivs);
        });
    rewriter.replaceOp(op, {tensorOf(rewriter, loc, prev), tensorOf(rewriter, loc, final)});
    return success();
  }
};

struct LowerChunkScan : OpRewritePattern<ChunkScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ChunkScanOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Checker check(e, env, "ssm.chunk_scan");
    Value cIn = bufferOf(rewriter, loc, op.getC()), bIn = bufferOf(rewriter, loc, op.getB());
    Value x = bufferOf(rewriter, loc, op.getX());
    Value cs = bufferOf(rewriter, loc, op.getDACumsum());
    Value seg = bufferOf(rewriter, loc, op.getSegsum());
    Value prev = bufferOf(rewriter, loc, op.getPrevStates());
    DimTable dims;
    dims.add(check, cIn, "C", {"b", "nc", "Q", "G", "N"});
    dims.add(check, bIn, "B", {"b", "nc", "Q", "G", "N"});
    dims.add(check, x, "x", {"b", "nc", "Q", "H", "P"});
    dims.add(check, cs, "dA_cumsum", {"b", "H", "nc", "Q"});
    dims.add(check, seg, "segsum", {"b", "H", "nc", "Q", "Q"});
    dims.add(check, prev, "prev_states", {"b", "nc", "H", "P", "N"});
    Value batch = dims.size(e, "b"), chunks = dims.size(e, "nc"), q = dims.size(e, "Q");
    Value heads = dims.size(e, "H"), p = dims.size(e, "P"), n = dims.size(e, "N");
    Value groups = dims.size(e, "G");
    check.divides(groups, heads, "the groups G of 'B' must divide H of 'x'");
    Value perGroup = channelsPerGroup(e, heads, groups);
    auto type = cast<RankedTensorType>(op.getY().getType());
    Value y = allocResult(rewriter, loc, type, dynamicSizes(type, {batch, chunks, q, heads, p}));
    buildParallel(
        rewriter, loc, {batch, chunks, q, heads, p}, [&](OpBuilder &b, Location l, ValueRange ivs) {
          Emitter k(b, l);
          Value bi = ivs[0], c = ivs[1], li = ivs[2], h = ivs[3], pi = ivs[4];
          Value g = groupOf(k, h, perGroup);
          auto dotCB = [&](Emitter &f, OpBuilder &fb, Location fl, Value s) {
            return buildFor(fb, fl, f.index(0), n, {f.f32(0.0)},
                            [&](OpBuilder &nb, Location nl, Value j, ValueRange acc) {
                              Emitter r(nb, nl);
                              return SmallVector<Value>{r.fma(r.load(cIn, {bi, c, li, g, j}),
                                                              r.load(bIn, {bi, c, s, g, j}),
                                                              acc[0])};
                            })
                .front();
          };
          Value intra = buildFor(b, l, k.index(0), k.addi(li, k.index(1)), {k.f32(0.0)},
                                 [&](OpBuilder &fb, Location fl, Value s, ValueRange acc) {
                                   Emitter f(fb, fl);
                                   Value decay = f.exp(f.load(seg, {bi, h, c, li, s}));
                                   Value term = f.mul(f.mul(dotCB(f, fb, fl, s), decay),
                                                      f.load(x, {bi, c, s, h, pi}));
                                   return SmallVector<Value>{f.add(acc[0], term)};
                                 })
                            .front();
          Value fromState =
              buildFor(b, l, k.index(0), n, {k.f32(0.0)},
                       [&](OpBuilder &fb, Location fl, Value j, ValueRange acc) {
                         Emitter f(fb, fl);
                         return SmallVector<Value>{f.fma(f.load(cIn, {bi, c, li, g, j}),
                                                         f.load(prev, {bi, c, h, pi, j}), acc[0])};
                       })
                  .front();
          Value scale = k.exp(k.load(cs, {bi, h, c, li}));
          k.store(k.fma(scale, fromState, intra), y, ivs);
        });
    rewriter.replaceOp(op, tensorOf(rewriter, loc, y));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// ssm.causal_conv1d: one (batch, channel) row per parallel iteration
//===----------------------------------------------------------------------===//

struct LowerCausalConv1d : OpRewritePattern<CausalConv1dOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CausalConv1dOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    CausalConv1dBuffers in = prepareCausalConv1d(rewriter, op, env);
    Value x = in.x, w = in.w, bias = in.bias, state = in.state;
    Value batch = e.dim(x, 0), channels = e.dim(x, 1), length = e.dim(x, 2);
    Value width = e.dim(w, 1);
    Value history = e.subi(width, e.index(1)); // K - 1
    auto yType = cast<RankedTensorType>(op.getY().getType());
    auto sType = cast<RankedTensorType>(op.getFinalState().getType());
    Value y = allocResult(rewriter, loc, yType, dynamicSizes(yType, {batch, channels, length}));
    Value final =
        allocResult(rewriter, loc, sType, dynamicSizes(sType, {batch, channels, history}));
    bool silu = op.getActivation() == Activation::silu;

    buildParallel(rewriter, loc, {batch, channels}, [&](OpBuilder &b, Location l, ValueRange ivs) {
      Value bi = ivs[0], c = ivs[1];
      // Column j of xs = concat(state, x): state[j] for j < K-1, else x[j - (K-1)].
      auto column = [&](OpBuilder &cb, Location cl, Value j) -> Value {
        Emitter f(cb, cl);
        Value fromState = f.cmpi(arith::CmpIPredicate::ult, j, history);
        auto ifOp = scf::IfOp::create(
            cb, cl, fromState,
            [&](OpBuilder &tb, Location tl) {
              Emitter t(tb, tl);
              Value v = state ? t.load(state, {bi, c, j}) : t.f32(0.0);
              scf::YieldOp::create(tb, tl, v);
            },
            [&](OpBuilder &eb, Location el) {
              Emitter t(eb, el);
              scf::YieldOp::create(eb, el, t.load(x, {bi, c, t.subi(j, history)}));
            });
        return ifOp.getResult(0);
      };
      Emitter k(b, l);
      Value init = bias ? k.load(bias, c) : k.f32(0.0);
      buildFor(b, l, k.index(0), length, {},
               [&](OpBuilder &tb, Location tl, Value t, ValueRange) -> SmallVector<Value> {
                 Emitter s(tb, tl);
                 Value acc =
                     buildFor(tb, tl, s.index(0), width, {init},
                              [&](OpBuilder &kb, Location kl, Value tap, ValueRange sum) {
                                Emitter r(kb, kl);
                                Value xv = column(kb, kl, r.addi(t, tap));
                                return SmallVector<Value>{r.fma(r.load(w, {c, tap}), xv, sum[0])};
                              })
                         .front();
                 if (silu)
                   acc = s.silu(acc);
                 s.store(acc, y, {bi, c, t});
                 return {};
               });
      buildFor(b, l, k.index(0), history, {},
               [&](OpBuilder &fb, Location fl, Value j, ValueRange) -> SmallVector<Value> {
                 Emitter f(fb, fl);
                 f.store(column(fb, fl, f.addi(length, j)), final, {bi, c, j});
                 return {};
               });
    });
    rewriter.replaceOp(op, {tensorOf(rewriter, loc, y), tensorOf(rewriter, loc, final)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// ssm.gated_rms_norm: one group of one row per parallel iteration
//===----------------------------------------------------------------------===//

struct LowerGatedRMSNorm : OpRewritePattern<GatedRMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatedRMSNormOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Value x = bufferOf(rewriter, loc, op.getX()), w = bufferOf(rewriter, loc, op.getW());
    Value z = optionalBuffer(rewriter, loc, op.getZ());
    Value y = lowerRMSNorm(rewriter, loc, env, "ssm.gated_rms_norm", x, w, z,
                           op.getEps().convertToFloat(), op.getGroupSize(), op.getNormBeforeGate(),
                           cast<RankedTensorType>(op.getY().getType()));
    rewriter.replaceOp(op, tensorOf(rewriter, loc, y));
    return success();
  }
};

} // namespace

CausalConv1dBuffers mlir::ssm::prepareCausalConv1d(OpBuilder &b, CausalConv1dOp op, Value env) {
  Location loc = op.getLoc();
  Emitter e(b, loc);
  Checker check(e, env, "ssm.causal_conv1d");
  CausalConv1dBuffers r;
  r.x = bufferOf(b, loc, op.getX());
  r.w = bufferOf(b, loc, op.getW());
  r.bias = optionalBuffer(b, loc, op.getBias());
  r.state = optionalBuffer(b, loc, op.getState());
  check.equalDims(r.w, 0, "w", r.x, 1, "x");
  if (r.bias)
    check.equalDims(r.bias, 0, "bias", r.x, 1, "x");
  if (r.state) {
    check.equalDims(r.state, 0, "state", r.x, 0, "x");
    check.equalDims(r.state, 1, "state", r.x, 1, "x");
    if (cast<ShapedType>(r.state.getType()).isDynamicDim(2) ||
        cast<ShapedType>(r.w.getType()).isDynamicDim(1))
      check.equal(e.dim(r.state, 2), e.subi(e.dim(r.w, 1), e.index(1)),
                  "the width of 'state' must be K - 1");
  }
  return r;
}

SelectiveScanBuffers mlir::ssm::prepareSelectiveScan(OpBuilder &b, SelectiveScanOp op, Value env,
                                                     Value u) {
  Location loc = op.getLoc();
  Emitter e(b, loc);
  Checker check(e, env, "ssm.selective_scan");
  SelectiveScanBuffers r;
  r.u = u ? u : bufferOf(b, loc, op.getU());
  r.delta = bufferOf(b, loc, op.getDelta());
  r.a = bufferOf(b, loc, op.getA());
  r.b = bufferOf(b, loc, op.getB());
  r.c = bufferOf(b, loc, op.getC());
  r.d = optionalBuffer(b, loc, op.getD());
  r.z = optionalBuffer(b, loc, op.getZ());
  r.bias = optionalBuffer(b, loc, op.getDeltaBias());
  r.h0 = optionalBuffer(b, loc, op.getH0());
  for (int64_t i = 0; i < 3; ++i) {
    check.equalDims(r.delta, i, "delta", r.u, i, "u");
    if (r.z)
      check.equalDims(r.z, i, "z", r.u, i, "u");
  }
  check.equalDims(r.a, 0, "A", r.u, 1, "u");
  check.equalDims(r.b, 0, "B", r.u, 0, "u");
  check.equalDims(r.b, 2, "B", r.a, 1, "A");
  check.equalDims(r.b, 3, "B", r.u, 2, "u");
  for (int64_t i = 0; i < 4; ++i)
    check.equalDims(r.c, i, "C", r.b, i, "B");
  if (r.d)
    check.equalDims(r.d, 0, "D", r.u, 1, "u");
  if (r.bias)
    check.equalDims(r.bias, 0, "delta_bias", r.u, 1, "u");
  if (r.h0) {
    check.equalDims(r.h0, 0, "h0", r.u, 0, "u");
    check.equalDims(r.h0, 1, "h0", r.u, 1, "u");
    check.equalDims(r.h0, 2, "h0", r.a, 1, "A");
  }
  r.batch = e.dim(r.u, 0);
  r.channels = e.dim(r.u, 1);
  r.length = e.dim(r.u, 2);
  r.n = e.dim(r.a, 1);
  r.groups = e.dim(r.b, 1);
  auto bType = cast<ShapedType>(r.b.getType()), uType = cast<ShapedType>(r.u.getType());
  if (bType.isDynamicDim(1) || uType.isDynamicDim(1))
    check.divides(r.groups, r.channels, "the groups G of 'B' must divide D of 'u'");
  r.perGroup = channelsPerGroup(e, r.channels, r.groups);
  auto yType = cast<RankedTensorType>(op.getY().getType());
  auto hType = cast<RankedTensorType>(op.getHLast().getType());
  r.y = allocResult(b, loc, yType, dynamicSizes(yType, {r.batch, r.channels, r.length}));
  r.hLast = allocResult(b, loc, hType, dynamicSizes(hType, {r.batch, r.channels, r.n}));
  return r;
}

Value mlir::ssm::lowerRMSNorm(OpBuilder &builder, Location loc, Value env, StringRef opName,
                              Value x, Value w, Value z, float eps, int64_t groupSize,
                              bool normBeforeGate, RankedTensorType resultType) {
  Emitter e(builder, loc);
  Checker check(e, env, opName);
  auto xType = cast<ShapedType>(x.getType());
  int64_t rank = xType.getRank();
  check.equalDims(w, 0, "w", x, rank - 1, "x");
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < rank; ++i) {
    sizes.push_back(e.dim(x, i));
    if (z)
      check.equalDims(z, i, "z", x, i, "x");
  }
  Value channels = sizes.back();
  Value group = groupSize > 0 ? e.index(groupSize) : channels;
  if (groupSize > 0 && xType.isDynamicDim(rank - 1))
    check.divides(group, channels, "group_size must divide the last dimension of 'x'");
  Value y = allocResult(builder, loc, resultType, dynamicSizes(resultType, sizes));
  // Parallel over the leading dimensions and the groups of the last one.
  SmallVector<Value> rows(ArrayRef<Value>(sizes).drop_back());
  rows.push_back(e.divi(channels, arith::MaxUIOp::create(builder, loc, group, e.index(1))));
  buildParallel(builder, loc, rows, [&](OpBuilder &b, Location l, ValueRange ivs) {
    Emitter k(b, l);
    Value start = k.muli(ivs.back(), group);
    auto at = [&](Value i) {
      SmallVector<Value> idx(ivs.drop_back());
      idx.push_back(k.addi(start, i));
      return idx;
    };
    // The normalized value: x, or x * silu(z) when the gate comes first.
    auto gated = [&](Emitter &f, ArrayRef<Value> idx) {
      Value v = f.load(x, idx);
      if (z && !normBeforeGate)
        v = f.mul(v, f.silu(f.load(z, idx)));
      return v;
    };
    Value squares = buildFor(b, l, k.index(0), group, {k.f32(0.0)},
                             [&](OpBuilder &fb, Location fl, Value i, ValueRange acc) {
                               Emitter f(fb, fl);
                               Value v = gated(f, at(i));
                               return SmallVector<Value>{f.accumulate(v, v, acc[0])};
                             })
                        .front();
    Value mean = k.div(squares, k.indexToF32(group));
    Value scale = k.div(k.f32(1.0), k.sqrt(k.add(mean, k.f32(eps))));
    buildFor(b, l, k.index(0), group, {},
             [&](OpBuilder &fb, Location fl, Value i, ValueRange) -> SmallVector<Value> {
               Emitter f(fb, fl);
               SmallVector<Value> idx = at(i);
               Value out = f.mul(f.mul(gated(f, idx), scale), f.load(w, idx.back()));
               if (z && normBeforeGate)
                 out = f.mul(out, f.silu(f.load(z, idx)));
               f.store(out, y, idx);
               return {};
             });
  });
  return y;
}

//===----------------------------------------------------------------------===//
// ssm.silu, ssm.softplus
//===----------------------------------------------------------------------===//

namespace {

/// An element-by-element op as a `linalg.generic` on tensors, `fn` applied in f32 (f64 for
/// f64 tensors); later bufferization and loop conversion treat it like the importer's.
template <typename OpTy> struct LowerActivation : OpRewritePattern<OpTy> {
  using Fn = Value (*)(OpBuilder &, Location, Value);
  LowerActivation(MLIRContext *context, Fn fn) : OpRewritePattern<OpTy>(context), fn(fn) {}

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getX().getType());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, op.getX());
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
    AffineMap identity = rewriter.getMultiDimIdentityMap(type.getRank());
    SmallVector<utils::IteratorType> iterators(type.getRank(), utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, ValueRange{op.getX()}, ValueRange{init},
        ArrayRef<AffineMap>{identity, identity}, iterators,
        [fn = fn](OpBuilder &b, Location l, ValueRange args) {
          Type element = args[0].getType();
          Type wide = element.isF64() ? element : b.getF32Type();
          Value x = element == wide ? args[0] : arith::ExtFOp::create(b, l, wide, args[0]);
          Value y = fn(b, l, x);
          if (element != wide)
            y = arith::TruncFOp::create(b, l, element, y);
          linalg::YieldOp::create(b, l, y);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }

  Fn fn;
};

Value floatLike(OpBuilder &b, Location loc, Value like, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(like.getType(), value));
}

Value silu(OpBuilder &b, Location loc, Value x) {
  Value one = floatLike(b, loc, x, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, x, arith::AddFOp::create(b, loc, one, e));
}

Value softplus(OpBuilder &b, Location loc, Value x) {
  Value negAbs = arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
  Value tail = math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, negAbs));
  return arith::AddFOp::create(
      b, loc, arith::MaximumFOp::create(b, loc, x, floatLike(b, loc, x, 0.0)), tail);
}

} // namespace

void mlir::ssm::populateSSMToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerAssociativeScan, LowerCausalConv1d, LowerChunkScan, LowerChunkState,
               LowerDiscretize, LowerGatedRMSNorm, LowerScan, LowerSegsum, LowerSelectiveScan,
               LowerSSD, LowerStatePassing>(patterns.getContext());
  patterns.add<LowerActivation<SiLUOp>>(patterns.getContext(), silu);
  patterns.add<LowerActivation<SoftplusOp>>(patterns.getContext(), softplus);
}
