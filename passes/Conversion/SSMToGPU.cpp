//===- SSMToGPU.cpp - GPU kernels written for the ssm ops -----------------===//
//
// The ops whose generic loop lowering (one thread per row, state in local memory) leaves most
// of the GPU idle get kernels of their own here; the others go through ssm-lower-to-loops and
// ssm-form-gpu-kernels.
//
// ssm.selective_scan: a channel's N states are spread over N / K adjacent lanes of a warp, K
// states per lane in registers. The sequence is walked in tiles of T steps: each lane computes
// the step sizes of T / (N / K) steps (softplus once per step, not once per lane), the lanes
// exchange them with warp shuffles, each lane advances its K states through the T steps, and
// the per-step partial outputs sum_k C[n] * h[n] are summed over the lanes by a butterfly
// reduce-scatter that leaves each lane the outputs of the steps it computed, which it gates
// and stores. B and C come either from global memory (each lane its rows, 16-byte vectors,
// read a tile ahead), or, in the staged kernel, from shared memory, where the block copies
// them a stage at a time (double-buffered, one barrier per stage) in f32 for all its channels.
//
// A one-step ssm.selective_scan (a decode step) gets a kernel of its own: each lane updates
// four states of one row with 16-byte accesses, and the causal conv that produces u, when
// nothing else reads its output, is computed in the same kernel.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoopEmitter.h"
#include "passes/Conversion/LowerToLoops.h"
#include "passes/Passes.h"
#include "passes/Transforms/KernelOutlining.h"

#include "dialects/ssm/SSMOps.h"
#include "dialects/ssmrt/SSMRTOps.h"
#include "ssm-compiler/GpuTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMLOWERTOGPU
#include "passes/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;
using namespace mlir::ssm;

namespace {

/// A full-warp shuffle of an f32.
Value shuffle(OpBuilder &b, Location loc, Value value, Value laneOrMask, gpu::ShuffleMode mode) {
  Value width = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 32);
  return gpu::ShuffleOp::create(b, loc, value, laneOrMask, width, mode).getShuffleResult();
}

Value i32(OpBuilder &b, Location loc, Value index) {
  return arith::IndexCastOp::create(b, loc, b.getI32Type(), index);
}

/// exp2(x) on the special function unit; denormal results flush to zero.
Value fastExp2(OpBuilder &b, Location loc, Value x) {
  return LLVM::CallIntrinsicOp::create(b, loc, b.getF32Type(),
                                       b.getStringAttr("llvm.nvvm.ex2.approx.ftz.f"), x)
      .getResult(0);
}

/// x * sigmoid(x) with the special function unit's exp2 and reciprocal.
Value fastSilu(OpBuilder &b, Location loc, Value x) {
  Emitter e(b, loc);
  Value decay = fastExp2(b, loc, e.mul(x, e.f32(-1.4426950408889634)));
  return e.mul(x,
               NVVM::RcpApproxFtzF32Op::create(b, loc, b.getF32Type(), e.add(e.f32(1.0), decay)));
}

/// log(1 + exp(x)) = max(x, 0) + log1p(t), t = exp(-|x|) in (0, 1], with log1p(t) =
/// 2 atanh(s), s = t / (2 + t) <= 1/3, summed to s^15: a few ulp, and a third of libdevice's
/// instructions.
Value fastSoftplus(OpBuilder &b, Location loc, Value x) {
  Emitter e(b, loc);
  Value t = fastExp2(b, loc, e.mul(math::AbsFOp::create(b, loc, x), e.f32(-1.4426950408889634)));
  Value s = e.mul(t, NVVM::RcpApproxFtzF32Op::create(b, loc, b.getF32Type(), e.add(t, e.f32(2.0))));
  Value w = e.mul(s, s);
  Value series = e.f32(1.0 / 15);
  for (int odd = 13; odd >= 3; odd -= 2)
    series = e.fma(series, w, e.f32(1.0 / odd));
  series = e.fma(series, w, e.f32(1.0));
  return e.fma(e.add(s, s), series, e.max(x, e.f32(0.0)));
}

/// The f32 values of a vector of 16-bit floats: bf16 widens by a shift (a 32-bit word holds
/// two), f16 by conversion.
SmallVector<Value> unpackToF32(OpBuilder &b, Location loc, Value vector) {
  auto type = cast<VectorType>(vector.getType());
  Type element = type.getElementType();
  SmallVector<Value> values;
  if (!element.isBF16() || type.getNumElements() % 2 != 0) {
    for (int64_t i = 0; i < type.getNumElements(); ++i) {
      Value v = vector::ExtractOp::create(b, loc, vector, i);
      values.push_back(element.isF32() ? v : arith::ExtFOp::create(b, loc, b.getF32Type(), v));
    }
    return values;
  }
  auto words = vector::BitCastOp::create(
      b, loc, VectorType::get({type.getNumElements() / 2}, b.getI32Type()), vector);
  Value sixteen = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 16);
  Value highMask = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0xffff0000);
  for (int64_t i = 0; i < type.getNumElements() / 2; ++i) {
    Value word = vector::ExtractOp::create(b, loc, words, i);
    Value low = arith::ShLIOp::create(b, loc, word, sixteen);
    Value high = arith::AndIOp::create(b, loc, word, highMask);
    values.push_back(arith::BitcastOp::create(b, loc, b.getF32Type(), low));
    values.push_back(arith::BitcastOp::create(b, loc, b.getF32Type(), high));
  }
  return values;
}

/// How the selective scan kernels divide their work. A channel's N states are spread over
/// `lanes` adjacent lanes of a warp, `statesPerLane` each; the sequence is walked in tiles of
/// `steps` steps, of which each lane computes the step sizes and the outputs of
/// `outputsPerLane` consecutive ones. The staged kernel also copies B and C of `stage` steps
/// at a time into shared memory (double-buffered), where the block's channels share them.
struct ScanTiling {
  int64_t n = 0;
  int64_t statesPerLane = 0;
  int64_t lanes = 0;
  int64_t steps = 0;
  int64_t outputsPerLane = 0;
  int64_t channelsPerWarp = 0;
  int64_t warps = 4;
  int64_t vector = 0; // elements of B and C per 16-byte load
  int64_t stage = 0;  // steps of B and C per shared-memory stage; 0: no staged kernel

  int64_t threads() const { return warps * 32; }
  int64_t channelsPerBlock() const { return warps * channelsPerWarp; }
  /// f32 values of one stage buffer: [stage step][B or C][state].
  int64_t stageFloats() const { return stage * 2 * n; }
  int64_t sharedBytes() const { return stage ? 2 * stageFloats() * 4 : 0; }
  /// 16-byte vectors of B and C each thread copies per stage.
  int64_t vectorsPerThread() const { return 2 * n * stage / (vector * threads()); }

  DictionaryAttr toAttr(MLIRContext *ctx, bool staged) const {
    Builder b(ctx);
    return b.getDictionaryAttr({
        b.getNamedAttr("states_per_lane", b.getI64IntegerAttr(statesPerLane)),
        b.getNamedAttr("lanes_per_channel", b.getI64IntegerAttr(lanes)),
        b.getNamedAttr("steps_per_tile", b.getI64IntegerAttr(steps)),
        b.getNamedAttr("channels_per_block", b.getI64IntegerAttr(channelsPerBlock())),
        b.getNamedAttr("threads_per_block", b.getI64IntegerAttr(threads())),
        b.getNamedAttr("vector_bytes", b.getI64IntegerAttr(16)),
        b.getNamedAttr("stage_steps", b.getI64IntegerAttr(staged ? stage : 0)),
        b.getNamedAttr("shared_bytes", b.getI64IntegerAttr(staged ? sharedBytes() : 0)),
    });
  }
};

bool isPowerOfTwo(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }

/// The static shared memory a block may have.
constexpr int64_t kMaxStaticShared = 48 * 1024;

/// The tiling with `statesPerLane` states per lane, or why there is none.
FailureOr<ScanTiling> scanTiling(int64_t n, int64_t elementBytes, int64_t statesPerLane,
                                 std::string &why) {
  ScanTiling t;
  t.n = n;
  t.statesPerLane = statesPerLane;
  if (!isPowerOfTwo(t.statesPerLane) || t.statesPerLane > 8 || n % t.statesPerLane != 0 ||
      n / t.statesPerLane > 32) {
    why = "cannot give each lane " + std::to_string(t.statesPerLane) +
          " of N = " + std::to_string(n) +
          " states (a power of two up to 8, leaving at most 32 lanes)";
    return failure();
  }
  t.lanes = n / t.statesPerLane;
  t.vector = 16 / elementBytes;
  t.steps = std::max(t.lanes, t.vector);
  t.outputsPerLane = t.steps / t.lanes;
  t.channelsPerWarp = 32 / t.lanes;
  // A stage: two 16-byte vectors per thread, at least a tile.
  t.stage = std::max(t.steps, t.threads() * t.vector / n);
  if (t.sharedBytes() > kMaxStaticShared)
    t.stage = 0;
  return t;
}

/// The tiling for N states and B/C elements of `elementBytes`, with `requested` states per
/// lane (0: four, or more where N needs more lanes than a warp has or a stage more shared
/// memory than a block has), or why there is none.
FailureOr<ScanTiling> chooseScanTiling(int64_t n, int64_t elementBytes, int64_t requested,
                                       std::string &why) {
  if (ShapedType::isDynamic(n) || !isPowerOfTwo(n) || n < 2) {
    why = "N is not a static power of two";
    return failure();
  }
  if (requested)
    return scanTiling(n, elementBytes, requested, why);
  FailureOr<ScanTiling> best = failure();
  for (int64_t k = std::min<int64_t>(n, 4); k <= std::min<int64_t>(n, 8); k *= 2) {
    FailureOr<ScanTiling> t = scanTiling(n, elementBytes, k, why);
    if (failed(t))
      continue;
    if (failed(best) || t->stage)
      best = t;
    if (t->stage)
      break;
  }
  return best;
}

/// The selective scan's operands as a kernel sees them.
struct ScanParams {
  Value u, delta, a, b, c, d, z, bias, h0, y, hLast, channels, length, perGroup;
};

/// Builds the body of a selective scan kernel at the start of its entry block.
class ScanKernelBuilder {
public:
  ScanKernelBuilder(OpBuilder &b, Location loc, SelectiveScanOp op, const ScanTiling &t,
                    const ScanParams &in)
      : b(b), loc(loc), op(op), t(t), in(in), e(b, loc) {}

  /// The kernel that reads each lane's rows of B and C from global memory, for any length.
  void buildGeneral();
  /// The kernel that stages B and C through `shared`: the block's channels must share one
  /// group, the length must be a positive multiple of the vector width.
  void buildStaged(Value shared);

private:
  /// B's and C's values of this lane's states at step s of the tile.
  using RowsAt =
      llvm::function_ref<std::pair<SmallVector<Value>, SmallVector<Value>>(OpBuilder &, int64_t s)>;

  void setUp();
  Value toF32(OpBuilder &tb, Value v) {
    return v.getType().isF32() ? v : Value(arith::ExtFOp::create(tb, loc, tb.getF32Type(), v));
  }
  /// delta, u (and z) at this lane's steps of the tile from t0, as stored.
  SmallVector<Value> loadStepInputs(OpBuilder &tb, Value t0);
  /// Advances the states through the tile from t0 and stores its outputs.
  SmallVector<Value> computeTile(OpBuilder &tb, Value t0, ValueRange state, ValueRange raw,
                                 RowsAt rowsAt);
  void storeFinalState(ValueRange state);

  OpBuilder &b;
  Location loc;
  SelectiveScanOp op;
  const ScanTiling &t;
  ScanParams in;
  Emitter e;

  Value tid, p, bi, channel, active, dd, g, firstChannel, lastStep;
  SmallVector<Value> rowOf, a2, initial, sourceLane;
  Value skip, dtBias;
};

void ScanKernelBuilder::setUp() {
  tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value bid = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value lane = e.remi(tid, e.index(32)), warp = e.divi(tid, e.index(32));
  Value group = e.divi(lane, e.index(t.lanes));
  p = e.remi(lane, e.index(t.lanes));
  Value groupStart = e.muli(group, e.index(t.lanes)); // the channel's first lane
  Value perBatch = arith::CeilDivUIOp::create(b, loc, in.channels, e.index(t.channelsPerBlock()));
  bi = e.divi(bid, perBatch);
  firstChannel = e.muli(e.remi(bid, perBatch), e.index(t.channelsPerBlock()));
  channel = e.addi(firstChannel, e.addi(e.muli(warp, e.index(t.channelsPerWarp)), group));
  // Channels past the end run along (every lane takes part in the shuffles and barriers) on
  // the last channel's data and store nothing.
  active = e.cmpi(arith::CmpIPredicate::ult, channel, in.channels);
  dd = e.mini(channel, e.subi(in.channels, e.index(1)));
  g = e.divi(dd, in.perGroup);
  lastStep = e.subi(in.length, e.index(1));
  // This lane's states p*K .. p*K + K-1: A * log2(e) and the initial state.
  for (int64_t i = 0; i < t.statesPerLane; ++i) {
    Value row = e.addi(e.muli(p, e.index(t.statesPerLane)), e.index(i));
    rowOf.push_back(row);
    a2.push_back(e.mul(e.load(in.a, {dd, row}), e.f32(1.4426950408889634)));
    initial.push_back(in.h0 ? e.load(in.h0, {bi, dd, row}) : e.f32(0.0));
  }
  skip = in.d ? e.load(in.d, {dd}) : Value();
  dtBias = in.bias ? e.load(in.bias, {dd}) : Value();
  // The lane that computes the step sizes of each part of a tile.
  for (int64_t q = 0; q < t.lanes; ++q)
    sourceLane.push_back(i32(b, loc, e.addi(groupStart, e.index(q))));
}

SmallVector<Value> ScanKernelBuilder::loadStepInputs(OpBuilder &tb, Value t0) {
  Emitter l(tb, loc);
  SmallVector<Value> values;
  Value first = l.addi(t0, l.muli(p, l.index(t.outputsPerLane)));
  for (Value source : {in.delta, in.u, in.z}) {
    if (!source)
      continue;
    for (int64_t j = 0; j < t.outputsPerLane; ++j) {
      Value tj = l.mini(l.addi(first, l.index(j)), lastStep);
      values.push_back(memref::LoadOp::create(tb, loc, source, ValueRange{bi, dd, tj}));
    }
  }
  return values;
}

SmallVector<Value> ScanKernelBuilder::computeTile(OpBuilder &tb, Value t0, ValueRange state,
                                                  ValueRange raw, RowsAt rowsAt) {
  Emitter c(tb, loc);
  const int64_t k = t.statesPerLane, m = t.outputsPerLane;
  SmallVector<Value> h(state);
  ValueRange deltaRaw = raw.take_front(m), uRaw = raw.slice(m, m);
  ValueRange zRaw = in.z ? raw.slice(2 * m, m) : ValueRange();

  // This lane's steps of the tile: their step sizes and dt * u.
  Value first = c.addi(t0, c.muli(p, c.index(m)));
  SmallVector<Value> dt, dtu, uv, inRange;
  for (int64_t j = 0; j < m; ++j) {
    inRange.push_back(c.cmpi(arith::CmpIPredicate::ult, c.addi(first, c.index(j)), in.length));
    Value step = toF32(tb, deltaRaw[j]);
    if (dtBias)
      step = c.add(step, dtBias);
    if (op.getDeltaSoftplus())
      step = fastSoftplus(tb, loc, step);
    step = c.select(inRange[j], step, c.f32(0.0)); // past the end: the state stays
    uv.push_back(toF32(tb, uRaw[j]));
    dt.push_back(step);
    dtu.push_back(c.mul(step, uv[j]));
  }

  // The recurrence over the tile, step sizes broadcast from the lane that computed them;
  // then each step's partial output over this lane's states.
  SmallVector<Value> partial;
  for (int64_t s = 0; s < t.steps; ++s) {
    Value dts = dt[s % m], dtus = dtu[s % m];
    if (t.lanes > 1) {
      dts = shuffle(tb, loc, dts, sourceLane[s / m], gpu::ShuffleMode::IDX);
      dtus = shuffle(tb, loc, dtus, sourceLane[s / m], gpu::ShuffleMode::IDX);
    }
    auto [bRow, cRow] = rowsAt(tb, s);
    Value out;
    for (int64_t i = 0; i < k; ++i) {
      Value decay = fastExp2(tb, loc, c.mul(dts, a2[i]));
      h[i] = c.fma(decay, h[i], c.mul(dtus, bRow[i]));
      out = out ? c.fma(cRow[i], h[i], out) : c.mul(cRow[i], h[i]);
    }
    partial.push_back(out);
  }
  // Reduce-scatter over the channel's lanes: each round a lane keeps half of its steps and
  // adds its partner's partial sums of them; at the end lane p holds the sums of steps
  // p*m .. p*m + m-1, the ones it computed the step sizes of.
  for (int64_t offset = t.lanes / 2, size = t.steps; offset >= 1; offset /= 2, size /= 2) {
    Value upper = c.cmpi(arith::CmpIPredicate::ne,
                         arith::AndIOp::create(tb, loc, p, c.index(offset)), c.index(0));
    Value mask = arith::ConstantIntOp::create(tb, loc, tb.getI32Type(), offset);
    for (int64_t i = 0; i < size / 2; ++i) {
      Value low = partial[i], high = partial[i + size / 2];
      Value give = c.select(upper, low, high), keep = c.select(upper, high, low);
      partial[i] = c.add(keep, shuffle(tb, loc, give, mask, gpu::ShuffleMode::XOR));
    }
  }
  for (int64_t j = 0; j < m; ++j) {
    Value out = partial[j];
    if (skip)
      out = c.fma(skip, uv[j], out);
    if (in.z)
      out = c.mul(out, fastSilu(tb, loc, toF32(tb, zRaw[j])));
    Value store = arith::AndIOp::create(tb, loc, active, inRange[j]);
    auto write = scf::IfOp::create(tb, loc, store, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard inner(tb);
    tb.setInsertionPointToStart(write.thenBlock());
    Emitter(tb, loc).store(out, in.y, {bi, channel, c.addi(first, c.index(j))});
  }
  return h;
}

void ScanKernelBuilder::storeFinalState(ValueRange state) {
  auto last = scf::IfOp::create(b, loc, active, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard inner(b);
  b.setInsertionPointToStart(last.thenBlock());
  for (int64_t i = 0; i < t.statesPerLane; ++i)
    Emitter(b, loc).store(state[i], in.hLast, {bi, channel, rowOf[i]});
}

void ScanKernelBuilder::buildGeneral() {
  setUp();
  const int64_t k = t.statesPerLane;
  Type bElement = cast<MemRefType>(in.b.getType()).getElementType();
  Value step = e.index(t.steps);
  // 16-byte vector loads of B and C need rows that start aligned: the length a multiple of
  // the vector width.
  Value aligned =
      e.cmpi(arith::CmpIPredicate::eq, e.remi(in.length, e.index(t.vector)), e.index(0));
  // A tile's inputs: delta and u (and z) at this lane's steps, then the lane's rows of B and
  // C: 16-byte vectors with `vectorLoads` (the tile must lie inside the sequence), else
  // scalars.
  auto loadTile = [&](OpBuilder &tb, Value t0, bool vectorLoads) {
    Emitter l(tb, loc);
    SmallVector<Value> values = loadStepInputs(tb, t0);
    auto type = VectorType::get({t.vector}, bElement);
    for (Value source : {in.b, in.c}) {
      for (int64_t i = 0; i < k; ++i) {
        if (!vectorLoads) {
          for (int64_t s = 0; s < t.steps; ++s) {
            Value ts = l.mini(l.addi(t0, l.index(s)), lastStep);
            values.push_back(
                memref::LoadOp::create(tb, loc, source, ValueRange{bi, g, rowOf[i], ts}));
          }
          continue;
        }
        for (int64_t s = 0; s < t.steps; s += t.vector)
          values.push_back(vector::LoadOp::create(
              tb, loc, type, source, ValueRange{bi, g, rowOf[i], l.addi(t0, l.index(s))},
              /*nontemporal=*/false, llvm::MaybeAlign(16)));
      }
    }
    return values;
  };
  const int64_t stepInputs = (in.z ? 3 : 2) * t.outputsPerLane;
  auto compute = [&](OpBuilder &tb, Value t0, ValueRange state, ValueRange values) {
    // B and C of this lane's states, [i][s], as f32.
    SmallVector<Value> rows;
    for (Value raw : values.drop_front(stepInputs)) {
      if (isa<VectorType>(raw.getType()))
        llvm::append_range(rows, unpackToF32(tb, loc, raw));
      else
        rows.push_back(toF32(tb, raw));
    }
    auto rowsAt = [&](OpBuilder &, int64_t s) {
      std::pair<SmallVector<Value>, SmallVector<Value>> result;
      for (int64_t i = 0; i < k; ++i) {
        result.first.push_back(rows[i * t.steps + s]);
        result.second.push_back(rows[(k + i) * t.steps + s]);
      }
      return result;
    };
    return computeTile(tb, t0, state, values.take_front(stepInputs), rowsAt);
  };
  // Tiles from `begin` to `end`, each reading its own inputs (scalar loads).
  auto scalarTiles = [&](OpBuilder &lb, Value begin, Value end, ValueRange state) {
    auto loop = scf::ForOp::create(lb, loc, begin, end, step, state);
    OpBuilder::InsertionGuard guard(lb);
    lb.setInsertionPointToStart(loop.getBody());
    Value t0 = loop.getInductionVar();
    scf::YieldOp::create(lb, loc,
                         compute(lb, t0, loop.getRegionIterArgs(), loadTile(lb, t0, false)));
    return SmallVector<Value>(loop.getResults());
  };
  // The whole tiles [0, whole) with vector loads, each tile's inputs read one iteration
  // ahead so that their latency hides behind the arithmetic.
  auto vectorTiles = [&](OpBuilder &lb, Value whole, ValueRange state) {
    Emitter l(lb, loc);
    Value last = l.subi(whole, step); // the last whole tile's start (whole >= T here)
    SmallVector<Value> inits(state);
    llvm::append_range(inits, loadTile(lb, l.index(0), true));
    auto loop = scf::ForOp::create(lb, loc, l.index(0), whole, step, inits);
    OpBuilder::InsertionGuard guard(lb);
    lb.setInsertionPointToStart(loop.getBody());
    Emitter f(lb, loc);
    Value t0 = loop.getInductionVar();
    SmallVector<Value> prefetched = loadTile(lb, f.mini(f.addi(t0, step), last), true);
    SmallVector<Value> next = compute(lb, t0, loop.getRegionIterArgs().take_front(k),
                                      loop.getRegionIterArgs().drop_front(k));
    llvm::append_range(next, prefetched);
    scf::YieldOp::create(lb, loc, next);
    return SmallVector<Value>(loop.getResults().take_front(k));
  };
  // Whole tiles with vector loads when the rows are aligned, then the partial last tile;
  // otherwise every tile with scalar loads. (Loops on both paths rather than a branch per
  // tile: LLVM would merge the branches' loads into scalar ones.)
  Value whole = e.muli(e.divi(in.length, step), step);
  Value vectorPath =
      arith::AndIOp::create(b, loc, aligned, e.cmpi(arith::CmpIPredicate::ugt, whole, e.index(0)));
  SmallVector<Type> stateTypes(k, b.getF32Type());
  auto paths = scf::IfOp::create(b, loc, stateTypes, vectorPath, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(paths.thenBlock());
    SmallVector<Value> state = vectorTiles(b, whole, initial);
    scf::YieldOp::create(b, loc, scalarTiles(b, whole, in.length, state));
    b.setInsertionPointToStart(paths.elseBlock());
    scf::YieldOp::create(b, loc, scalarTiles(b, e.index(0), in.length, initial));
  }
  storeFinalState(paths.getResults());
  gpu::ReturnOp::create(b, loc);
}

void ScanKernelBuilder::buildStaged(Value shared) {
  setUp();
  const int64_t k = t.statesPerLane, n = t.n;
  Type bElement = cast<MemRefType>(in.b.getType()).getElementType();
  auto vectorType = VectorType::get({t.vector}, bElement);
  // Every channel of the block is in the group of its first one.
  Value blockGroup = e.divi(e.mini(firstChannel, e.subi(in.channels, e.index(1))), in.perGroup);
  Value stage = e.index(t.stage), step = e.index(t.steps);
  Value lastVector = e.subi(in.length, e.index(t.vector));

  // Thread `tid` copies vectors tid, tid + threads, ... of a stage; vector v holds steps
  // (v / 2N) * V .. + V-1 of row v % N of B (v / N even) or C (odd). Vectors past the end
  // of the sequence read the last one instead: finite values at steps that change nothing.
  struct Slot {
    Value row, isC, firstStep;
  };
  SmallVector<Slot> slots;
  for (int64_t i = 0; i < t.vectorsPerThread(); ++i) {
    Value v = e.addi(tid, e.index(i * t.threads()));
    Value rest = e.divi(v, e.index(n));
    slots.push_back({e.remi(v, e.index(n)), e.remi(rest, e.index(2)),
                     e.muli(e.divi(rest, e.index(2)), e.index(t.vector))});
  }
  auto loadStage = [&](OpBuilder &tb, Value start) {
    Emitter l(tb, loc);
    SmallVector<Value> vectors;
    for (const Slot &slot : slots) {
      Value at = l.mini(l.addi(start, slot.firstStep), lastVector);
      Value isC = l.cmpi(arith::CmpIPredicate::ne, slot.isC, l.index(0));
      Value source = arith::SelectOp::create(tb, loc, isC, in.c, in.b);
      vectors.push_back(vector::LoadOp::create(tb, loc, vectorType, source,
                                               ValueRange{bi, blockGroup, slot.row, at},
                                               /*nontemporal=*/false, llvm::MaybeAlign(16)));
    }
    return vectors;
  };
  // Shared memory is [buffer][stage step][B or C][state], f32.
  auto sharedIndex = [&](Emitter &l, Value buffer, Value stepInStage, Value isC, Value state) {
    Value row = l.addi(l.muli(buffer, l.index(t.stage)), stepInStage);
    return l.addi(l.muli(l.addi(l.muli(row, l.index(2)), isC), l.index(n)), state);
  };
  auto writeStage = [&](OpBuilder &tb, Value buffer, ValueRange vectors) {
    Emitter l(tb, loc);
    for (auto [slot, vector] : llvm::zip_equal(slots, vectors)) {
      SmallVector<Value> values = unpackToF32(tb, loc, vector);
      for (int64_t j = 0; j < t.vector; ++j) {
        Value at = sharedIndex(l, buffer, l.addi(slot.firstStep, l.index(j)), slot.isC, slot.row);
        memref::StoreOp::create(tb, loc, values[j], shared, at);
      }
    }
  };

  const int64_t stepInputs = (in.z ? 3 : 2) * t.outputsPerLane;
  SmallVector<Value> inits(initial);
  llvm::append_range(inits, loadStepInputs(b, e.index(0)));
  llvm::append_range(inits, loadStage(b, e.index(0)));
  auto loop = scf::ForOp::create(b, loc, e.index(0), in.length, step, inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Emitter l(b, loc);
    Value t0 = loop.getInductionVar();
    ValueRange args = loop.getRegionIterArgs();
    ValueRange state = args.take_front(k), raw = args.slice(k, stepInputs),
               staged = args.drop_front(k + stepInputs);
    Value stageIndex = l.divi(t0, stage);
    Value buffer = l.remi(stageIndex, l.index(2));
    Value stepInStage = l.remi(t0, stage);
    // At the start of a stage: its B and C (read during the previous stage) go to shared
    // memory, and the next stage's are read. The other buffer is still being read by warps
    // behind; the barrier keeps this one from being read before it is complete and from
    // being overwritten (two stages on) before every warp is done with it.
    auto boundary = scf::IfOp::create(b, loc, TypeRange(staged),
                                      l.cmpi(arith::CmpIPredicate::eq, stepInStage, l.index(0)),
                                      /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(boundary.thenBlock());
      writeStage(b, buffer, staged);
      gpu::BarrierOp::create(b, loc);
      Emitter s(b, loc);
      scf::YieldOp::create(b, loc, loadStage(b, s.addi(t0, stage)));
      b.setInsertionPointToStart(boundary.elseBlock());
      scf::YieldOp::create(b, loc, staged);
    }
    SmallVector<Value> prefetched = loadStepInputs(b, l.addi(t0, step));
    auto vectorOfK = VectorType::get({k}, b.getF32Type());
    auto rowsAt = [&](OpBuilder &tb, int64_t s) {
      Emitter r(tb, loc);
      Value at = r.addi(stepInStage, r.index(s));
      Value first = r.muli(p, r.index(k));
      std::pair<SmallVector<Value>, SmallVector<Value>> result;
      for (auto [isC, out] : {std::pair{0, &result.first}, std::pair{1, &result.second}}) {
        Value index = sharedIndex(r, buffer, at, r.index(isC), first);
        Value row = vector::LoadOp::create(tb, loc, vectorOfK, shared, ValueRange{index},
                                           /*nontemporal=*/false, llvm::MaybeAlign(4 * k));
        for (int64_t i = 0; i < k; ++i)
          out->push_back(vector::ExtractOp::create(tb, loc, row, i));
      }
      return result;
    };
    SmallVector<Value> next = computeTile(b, t0, state, raw, rowsAt);
    llvm::append_range(next, prefetched);
    llvm::append_range(next, boundary.getResults());
    scf::YieldOp::create(b, loc, next);
  }
  storeFinalState(loop.getResults().take_front(k));
  gpu::ReturnOp::create(b, loc);
}

struct SelectiveScanToGpu : OpRewritePattern<SelectiveScanOp> {
  SelectiveScanToGpu(MLIRContext *ctx, int64_t statesPerLane, const ssmc::GpuTarget &target)
      : OpRewritePattern(ctx), statesPerLane(statesPerLane), target(target) {}

  LogicalResult matchAndRewrite(SelectiveScanOp op, PatternRewriter &rewriter) const override {
    int64_t n = cast<RankedTensorType>(op.getA().getType()).getDimSize(1);
    int64_t elementBytes =
        cast<RankedTensorType>(op.getB().getType()).getElementType().getIntOrFloatBitWidth() / 8;
    std::string why;
    FailureOr<ScanTiling> tiling = chooseScanTiling(n, elementBytes, statesPerLane, why);
    if (failed(tiling))
      return rewriter.notifyMatchFailure(op, why);
    // With the default tiling, half the states per lane (twice the warps) where the default
    // would leave the GPU with few warps to switch between (small batches).
    FailureOr<ScanTiling> narrow = failure();
    if (!statesPerLane && tiling->statesPerLane > 1)
      narrow = scanTiling(n, elementBytes, tiling->statesPerLane / 2, why);
    Value env = findEnvironment(op);
    auto module = op->getParentOfType<ModuleOp>();
    if (!env || !module)
      return failure();
    Location loc = op.getLoc();
    SelectiveScanBuffers ops = prepareSelectiveScan(rewriter, op, env);

    // Kernel arguments: the buffers, then the dimensions.
    SmallVector<Value> args{ops.u, ops.delta, ops.a, ops.b, ops.c};
    for (Value optional : {ops.d, ops.z, ops.bias, ops.h0})
      if (optional)
        args.push_back(optional);
    args.append({ops.y, ops.hLast, ops.channels, ops.length, ops.perGroup});

    if (failed(narrow)) {
      emitLaunches(rewriter, op, *tiling, ops, env, args);
    } else {
      // Warps of the default tiling: B * D * N / (K * 32).
      Emitter e(rewriter, loc);
      Value warps = e.divi(e.muli(e.muli(ops.batch, ops.channels), e.index(n)),
                           e.index(tiling->statesPerLane * 32));
      Value few =
          e.cmpi(arith::CmpIPredicate::ult, warps, e.index(kWarpsPerSMForDefault * target.numSMs));
      auto choice = scf::IfOp::create(rewriter, loc, few, /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(choice.thenBlock());
      emitLaunches(rewriter, op, *narrow, ops, env, args);
      rewriter.setInsertionPointToStart(choice.elseBlock());
      emitLaunches(rewriter, op, *tiling, ops, env, args);
    }
    rewriter.replaceOp(op, {tensorOf(rewriter, loc, ops.y), tensorOf(rewriter, loc, ops.hLast)});
    return success();
  }

private:
  /// Below this many warps per SM of the default tiling, the narrow one is used.
  static constexpr int64_t kWarpsPerSMForDefault = 8;

  /// Builds the kernels of `tiling` and launches them: the staged kernel when a block's
  /// channels share a group of B and C and the rows are whole 16-byte vectors, else the
  /// general one.
  void emitLaunches(PatternRewriter &rewriter, SelectiveScanOp op, const ScanTiling &tiling,
                    const SelectiveScanBuffers &ops, Value env, ValueRange args) const {
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Value perBatch =
        arith::CeilDivUIOp::create(rewriter, loc, ops.channels, e.index(tiling.channelsPerBlock()));
    Value grid = e.muli(ops.batch, perBatch);
    Value one = e.index(1);
    Value threads = e.index(tiling.threads());
    Value noShared = arith::ConstantIntOp::create(rewriter, loc, rewriter.getI32Type(), 0);
    auto launch = [&](SymbolRefAttr kernel) {
      ssmrt::LaunchOp::create(rewriter, loc, env, kernel, /*index=*/0, grid, one, one, threads, one,
                              one, noShared, args);
    };
    SymbolRefAttr general = makeKernel(rewriter, op, tiling, ops, args, /*staged=*/false);
    if (!tiling.stage) {
      launch(general);
      return;
    }
    SymbolRefAttr staged = makeKernel(rewriter, op, tiling, ops, args, /*staged=*/true);
    Value aligned =
        e.cmpi(arith::CmpIPredicate::eq, e.remi(ops.length, e.index(tiling.vector)), e.index(0));
    Value nonEmpty = e.cmpi(arith::CmpIPredicate::ugt, ops.length, e.index(0));
    Value oneGroup = arith::OrIOp::create(
        rewriter, loc, e.cmpi(arith::CmpIPredicate::eq, ops.groups, one),
        e.cmpi(arith::CmpIPredicate::eq, e.remi(ops.perGroup, e.index(tiling.channelsPerBlock())),
               e.index(0)));
    Value useStaged = arith::AndIOp::create(
        rewriter, loc, arith::AndIOp::create(rewriter, loc, aligned, nonEmpty), oneGroup);
    auto choice = scf::IfOp::create(rewriter, loc, useStaged, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(choice.thenBlock());
    launch(staged);
    rewriter.setInsertionPointToStart(choice.elseBlock());
    launch(general);
  }

  /// A kernel of `tiling` in the module's gpu.module.
  SymbolRefAttr makeKernel(PatternRewriter &rewriter, SelectiveScanOp op, const ScanTiling &tiling,
                           const SelectiveScanBuffers &ops, ValueRange args, bool staged) const {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    gpu::GPUModuleOp gpuModule = gpuKernelModule(op->getParentOfType<ModuleOp>());
    std::string base = "ssm_selective_scan_n" + std::to_string(tiling.n) + "_k" +
                       std::to_string(tiling.statesPerLane) + (staged ? "_staged" : "");
    std::string name = base;
    for (int i = 0; gpuModule.lookupSymbol(name); ++i)
      name = base + "_" + std::to_string(i);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToEnd(gpuModule.getBody());
    auto kernel =
        gpu::GPUFuncOp::create(rewriter, loc, name, FunctionType::get(ctx, TypeRange(args), {}));
    kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), rewriter.getUnitAttr());
    kernel->setAttr("ssm.tiling", tiling.toAttr(ctx, staged));
    Value shared;
    if (staged) {
      shared = kernel.addWorkgroupAttribution(
          MemRefType::get({2 * tiling.stageFloats()}, rewriter.getF32Type(),
                          MemRefLayoutAttrInterface{},
                          gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup)),
          loc);
      // Rows are read as 16-byte vectors.
      kernel.setWorkgroupAttributionAttr(0, LLVM::LLVMDialect::getAlignAttrName(),
                                         rewriter.getI64IntegerAttr(16));
    }
    Block &entry = kernel.getBody().front();
    rewriter.setInsertionPointToStart(&entry);
    ScanParams params;
    ValueRange kernelArgs = entry.getArguments().take_front(args.size());
    unsigned next = 0;
    params.u = kernelArgs[next++];
    params.delta = kernelArgs[next++];
    params.a = kernelArgs[next++];
    params.b = kernelArgs[next++];
    params.c = kernelArgs[next++];
    for (auto [value, present] : {std::pair{&params.d, ops.d},
                                  {&params.z, ops.z},
                                  {&params.bias, ops.bias},
                                  {&params.h0, ops.h0}})
      if (present)
        *value = kernelArgs[next++];
    params.y = kernelArgs[next++];
    params.hLast = kernelArgs[next++];
    params.channels = kernelArgs[next++];
    params.length = kernelArgs[next++];
    params.perGroup = kernelArgs[next++];
    ScanKernelBuilder builder(rewriter, loc, op, tiling, params);
    if (staged)
      builder.buildStaged(shared);
    else
      builder.buildGeneral();
    return SymbolRefAttr::get(gpuModule.getSymNameAttr(),
                              {FlatSymbolRefAttr::get(ctx, kernel.getName())});
  }

  int64_t statesPerLane;
  const ssmc::GpuTarget &target;
};

//===----------------------------------------------------------------------===//
// The decode step: ssm.selective_scan over one step, fused with the causal conv before it
//===----------------------------------------------------------------------===//

/// A (batch, channel) row's N states lie on N / 4 adjacent lanes of a warp, four per lane: one
/// 16-byte vector of the f32 state, read and written once.
constexpr int64_t kDecodeStatesPerLane = 4;
constexpr int64_t kDecodeThreads = 128;

/// The causal conv that produces a one-step scan's `u`, when the decode kernel can compute it
/// in place: its output feeds only the scan, its width is static (2 to 8), and every use of its
/// final state comes after the scan in the same block (where the kernel's result can replace
/// it).
CausalConv1dOp fusableConv(SelectiveScanOp op) {
  auto conv = op.getU().getDefiningOp<CausalConv1dOp>();
  if (!conv || !conv.getY().hasOneUse() || conv->getBlock() != op->getBlock())
    return {};
  int64_t width = cast<RankedTensorType>(conv.getW().getType()).getDimSize(1);
  if (ShapedType::isDynamic(width) || width < 2 || width > 8)
    return {};
  for (Operation *user : conv.getFinalState().getUsers())
    if (user->getBlock() != op->getBlock() || !op->isBeforeInBlock(user))
      return {};
  return conv;
}

/// The decode kernel's operands.
struct DecodeParams {
  Value x, w, convBias, convState, convFinal; // the fused conv's, or null
  Value u, delta, a, b, c, d, z, bias, h0, y, hLast;
  Value rows, channels, perGroup;

  /// Every operand, in the kernel's argument order (absent ones are null).
  SmallVector<Value *> all() {
    return {&x, &w, &convBias, &convState, &convFinal, &u,     &delta, &a,        &b,       &c,
            &d, &z, &bias,     &h0,        &y,         &hLast, &rows,  &channels, &perGroup};
  }
};

/// Builds the decode kernel's body: each row's u (the conv over its K - 1 carried columns and
/// the new one, then SiLU, rounded to the conv's output type as the unfused program stores
/// it), its step size, one update of its N states and the gated output, reduced over the
/// row's lanes with a butterfly.
void buildDecodeKernel(OpBuilder &b, Location loc, SelectiveScanOp op, CausalConv1dOp conv,
                       int64_t n, const DecodeParams &in) {
  Emitter e(b, loc);
  const int64_t lanes = n / kDecodeStatesPerLane, rowsPerWarp = 32 / lanes;
  Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value bid = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value lane = e.remi(tid, e.index(32)), warp = e.divi(tid, e.index(32));
  Value p = e.remi(lane, e.index(lanes));
  Value row = e.addi(e.muli(bid, e.index(kDecodeThreads / lanes)),
                     e.addi(e.muli(warp, e.index(rowsPerWarp)), e.divi(lane, e.index(lanes))));
  // Rows past the end run along on the last row (every lane takes part in the shuffles) and
  // store nothing.
  Value active = e.cmpi(arith::CmpIPredicate::ult, row, in.rows);
  Value r = e.mini(row, e.subi(in.rows, e.index(1)));
  Value bi = e.divi(r, in.channels), dd = e.remi(r, in.channels);
  Value g = e.divi(dd, in.perGroup);
  Value zero = e.index(0);
  Value firstLane = e.cmpi(arith::CmpIPredicate::eq, p, zero);
  auto when = [&](Value condition, function_ref<void()> body) {
    auto ifOp = scf::IfOp::create(b, loc, condition, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    body();
  };
  Value writer = arith::AndIOp::create(b, loc, active, firstLane);

  Value u;
  if (conv) {
    int64_t width = cast<MemRefType>(in.w.getType()).getDimSize(1);
    SmallVector<Value> columns;
    for (int64_t j = 0; j + 1 < width; ++j)
      columns.push_back(in.convState ? e.load(in.convState, {bi, dd, e.index(j)}) : e.f32(0.0));
    columns.push_back(e.load(in.x, {bi, dd, zero}));
    u = in.convBias ? e.load(in.convBias, {dd}) : e.f32(0.0);
    for (int64_t j = 0; j < width; ++j)
      u = e.fma(e.load(in.w, {dd, e.index(j)}), columns[j], u);
    if (conv.getActivation() == Activation::silu)
      u = fastSilu(b, loc, u);
    Type stored = cast<RankedTensorType>(conv.getY().getType()).getElementType();
    if (!stored.isF32()) {
      Value rounded = arith::TruncFOp::create(b, loc, stored, u);
      u = arith::ExtFOp::create(b, loc, b.getF32Type(), rounded);
    }
    when(writer, [&] {
      for (int64_t j = 0; j + 1 < width; ++j)
        Emitter(b, loc).store(columns[j + 1], in.convFinal, {bi, dd, e.index(j)});
    });
  } else {
    u = e.load(in.u, {bi, dd, zero});
  }

  Value dt = e.load(in.delta, {bi, dd, zero});
  if (in.bias)
    dt = e.add(dt, e.load(in.bias, {dd}));
  if (op.getDeltaSoftplus())
    dt = fastSoftplus(b, loc, dt);

  // This lane's four states, and their A, B and C: one vector load each.
  Value first = e.muli(p, e.index(kDecodeStatesPerLane));
  auto four = [&](Value memref, SmallVector<Value> indices) {
    Type element = cast<MemRefType>(memref.getType()).getElementType();
    int64_t bytes = element.getIntOrFloatBitWidth() / 8;
    Value vector = vector::LoadOp::create(
        b, loc, VectorType::get({kDecodeStatesPerLane}, element), memref, indices,
        /*nontemporal=*/false, llvm::MaybeAlign(kDecodeStatesPerLane * bytes));
    return unpackToF32(b, loc, vector);
  };
  SmallVector<Value> h =
      in.h0 ? four(in.h0, {bi, dd, first}) : SmallVector<Value>(kDecodeStatesPerLane, e.f32(0.0));
  SmallVector<Value> a = four(in.a, {dd, first});
  SmallVector<Value> bRow = four(in.b, {bi, g, first}), cRow = four(in.c, {bi, g, first});
  Value dtu = e.mul(dt, u), out;
  for (int64_t i = 0; i < kDecodeStatesPerLane; ++i) {
    Value decay = fastExp2(b, loc, e.mul(dt, e.mul(a[i], e.f32(1.4426950408889634))));
    h[i] = e.fma(decay, h[i], e.mul(dtu, bRow[i]));
    out = out ? e.fma(cRow[i], h[i], out) : e.mul(cRow[i], h[i]);
  }
  for (int64_t offset = lanes / 2; offset >= 1; offset /= 2)
    out = e.add(out,
                shuffle(b, loc, out, arith::ConstantIntOp::create(b, loc, b.getI32Type(), offset),
                        gpu::ShuffleMode::XOR));
  if (in.d)
    out = e.fma(e.load(in.d, {dd}), u, out);
  if (in.z)
    out = e.mul(out, fastSilu(b, loc, e.load(in.z, {bi, dd, zero})));
  when(writer, [&] { Emitter(b, loc).store(out, in.y, {bi, dd, zero}); });
  when(active, [&] {
    Emitter s(b, loc);
    if (cast<MemRefType>(in.hLast.getType()).getElementType().isF32()) {
      Value vector = vector::FromElementsOp::create(
          b, loc, VectorType::get({kDecodeStatesPerLane}, b.getF32Type()), h);
      vector::StoreOp::create(b, loc, vector, in.hLast, ValueRange{bi, dd, first},
                              /*nontemporal=*/false, llvm::MaybeAlign(16));
      return;
    }
    for (int64_t i = 0; i < kDecodeStatesPerLane; ++i)
      s.store(h[i], in.hLast, {bi, dd, s.addi(first, s.index(i))});
  });
  gpu::ReturnOp::create(b, loc);
}

/// ssm.selective_scan over a static single step (a decode step) as one kernel that also
/// computes the causal conv feeding it (fusableConv): the conv state shift, the dot product and
/// SiLU, the step size, the state update and the gated output of one token, each state read
/// and written once.
struct DecodeStepToGpu : OpRewritePattern<SelectiveScanOp> {
  explicit DecodeStepToGpu(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(SelectiveScanOp op, PatternRewriter &rewriter) const override {
    if (cast<RankedTensorType>(op.getU().getType()).getDimSize(2) != 1)
      return rewriter.notifyMatchFailure(op, "L is not a static 1");
    int64_t n = cast<RankedTensorType>(op.getA().getType()).getDimSize(1);
    if (ShapedType::isDynamic(n) || n % kDecodeStatesPerLane != 0 ||
        !isPowerOfTwo(n / kDecodeStatesPerLane) || n / kDecodeStatesPerLane > 32)
      return rewriter.notifyMatchFailure(op, "N is not a static 4, 8, ..., 128");
    Value env = findEnvironment(op);
    auto module = op->getParentOfType<ModuleOp>();
    if (!env || !module)
      return failure();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    CausalConv1dOp conv = fusableConv(op);

    DecodeParams params;
    SmallVector<Value> args;
    if (conv) {
      CausalConv1dBuffers convBuffers = prepareCausalConv1d(rewriter, conv, env);
      params.x = convBuffers.x;
      params.w = convBuffers.w;
      params.convBias = convBuffers.bias;
      params.convState = convBuffers.state;
    }
    SelectiveScanBuffers ops = prepareSelectiveScan(rewriter, op, env, params.x);
    int64_t width = conv ? cast<MemRefType>(params.w.getType()).getDimSize(1) : 0;
    if (conv) {
      auto sType = cast<RankedTensorType>(conv.getFinalState().getType());
      params.convFinal = allocResult(
          rewriter, loc, sType, dynamicSizes(sType, {ops.batch, ops.channels, e.index(width - 1)}));
    }
    // B and C of one step, (B, G, N, 1), as (B, G, N): a lane's four states are contiguous.
    auto oneStep = [&](Value memref) {
      return memref::CollapseShapeOp::create(rewriter, loc, memref,
                                             ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    };
    params.u = conv ? Value() : ops.u;
    params.delta = ops.delta;
    params.a = ops.a;
    params.b = oneStep(ops.b);
    params.c = oneStep(ops.c);
    params.d = ops.d;
    params.z = ops.z;
    params.bias = ops.bias;
    params.h0 = ops.h0;
    params.y = ops.y;
    params.hLast = ops.hLast;
    params.rows = e.muli(ops.batch, ops.channels);
    params.channels = ops.channels;
    params.perGroup = ops.perGroup;

    // Kernel arguments: the present buffers, then the dimensions.
    SmallVector<Value *> slots = params.all();
    for (Value *slot : slots)
      if (*slot)
        args.push_back(*slot);

    MLIRContext *ctx = rewriter.getContext();
    gpu::GPUModuleOp gpuModule = gpuKernelModule(module);
    std::string base = "ssm_decode_step_n" + std::to_string(n) + (conv ? "_conv" : "");
    std::string name = base;
    for (int i = 0; gpuModule.lookupSymbol(name); ++i)
      name = base + "_" + std::to_string(i);
    gpu::GPUFuncOp kernel;
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToEnd(gpuModule.getBody());
      kernel =
          gpu::GPUFuncOp::create(rewriter, loc, name, FunctionType::get(ctx, TypeRange(args), {}));
      kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), rewriter.getUnitAttr());
      kernel->setAttr(
          "ssm.tiling",
          rewriter.getDictionaryAttr({
              rewriter.getNamedAttr("states_per_lane",
                                    rewriter.getI64IntegerAttr(kDecodeStatesPerLane)),
              rewriter.getNamedAttr("lanes_per_row",
                                    rewriter.getI64IntegerAttr(n / kDecodeStatesPerLane)),
              rewriter.getNamedAttr("threads_per_block",
                                    rewriter.getI64IntegerAttr(kDecodeThreads)),
              rewriter.getNamedAttr("fused_conv_width", rewriter.getI64IntegerAttr(width)),
          }));
      Block &entry = kernel.getBody().front();
      rewriter.setInsertionPointToStart(&entry);
      DecodeParams inKernel;
      unsigned next = 0;
      for (auto [outer, inner] : llvm::zip_equal(slots, inKernel.all()))
        if (*outer)
          *inner = entry.getArgument(next++);
      buildDecodeKernel(rewriter, loc, op, conv, n, inKernel);
    }

    const int64_t rowsPerBlock = kDecodeThreads / (n / kDecodeStatesPerLane);
    Value grid = arith::CeilDivUIOp::create(rewriter, loc, params.rows, e.index(rowsPerBlock));
    Value one = e.index(1);
    ssmrt::LaunchOp::create(
        rewriter, loc, env,
        SymbolRefAttr::get(gpuModule.getSymNameAttr(), {FlatSymbolRefAttr::get(ctx, name)}),
        /*index=*/0, grid, one, one, e.index(kDecodeThreads), one, one,
        arith::ConstantIntOp::create(rewriter, loc, rewriter.getI32Type(), 0), args);

    if (conv)
      rewriter.replaceAllUsesWith(conv.getFinalState(), tensorOf(rewriter, loc, params.convFinal));
    rewriter.replaceOp(op, {tensorOf(rewriter, loc, ops.y), tensorOf(rewriter, loc, ops.hLast)});
    if (conv)
      rewriter.eraseOp(conv);
    return success();
  }
};

} // namespace

namespace {

struct LowerToGpu : ssm::impl::SSMLowerToGpuBase<LowerToGpu> {
  using SSMLowerToGpuBase::SSMLowerToGpuBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    const ssmc::GpuTarget *target = lookupGpuTargetOrFail(getOperation(), chip);
    if (!target)
      return signalPassFailure();
    patterns.add<SelectiveScanToGpu>(&getContext(), statesPerLane, *target);
    patterns.add<DecodeStepToGpu>(&getContext());
    // The ops stay in their functions; only the kernels go to the module's gpu.module.
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }
};

} // namespace
