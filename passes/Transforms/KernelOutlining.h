//===- KernelOutlining.h - what CPU and GPU kernel formation share -*- C++ -*-===//
//
// Both targets turn each outermost scf.parallel of a host function into a kernel that runs a
// flattened range of its iterations: the loop's trip counts are computed on the host, the
// values its body uses become kernel arguments (constants are cloned), and a flat index is
// mapped back onto the loop's induction variables inside the kernel.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_PASSES_TRANSFORMS_KERNELOUTLINING_H
#define SSM_PASSES_TRANSFORMS_KERNELOUTLINING_H

#include "ssm-compiler/GpuTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::ssm {

/// A parallel loop seen as a flat range of iterations.
struct FlatLoop {
  scf::ParallelOp loop;
  SmallVector<Value> trips; // per dimension, computed before the loop
  Value total;              // their product
  bool normalized;          // every dimension starts at 0 with step 1
  SmallVector<Value> args;  // host values the kernel reads, in argument order
  SmallVector<Value> constants;
};

/// The outermost result-free parallel loops of `func`.
SmallVector<scf::ParallelOp> outermostParallelLoops(func::FuncOp func);

/// Computes the trip counts (inserting them before the loop) and the kernel's arguments.
/// Fails, with an error on the loop, when it uses a value a kernel cannot take.
FailureOr<FlatLoop> flattenParallelLoop(scf::ParallelOp loop);

/// At `b`'s insertion point inside a kernel: maps the flat iteration `index` onto the loop's
/// induction variables in `mapping` (whose entries already map `flat.args` and constants),
/// then clones the loop body.
void emitLoopBody(OpBuilder &b, Location loc, const FlatLoop &flat, Value index,
                  IRMapping &mapping);

/// Replaces host `memref.copy`s by parallel loop nests, so that they become kernels too.
void copiesToLoops(func::FuncOp func);

/// Replaces host `memref.alloc`s by `ssmrt.alloc` from the environment `env` and drops
/// deallocations (the runtime frees a call's memory). Fails on allocations the runtime cannot
/// serve.
LogicalResult allocationsToRuntime(func::FuncOp func, Value env);

/// The gpu.module that holds every GPU kernel of `module` (created, and `module` marked as a
/// GPU container, on first use); kernels are numbered by `ssm.kernel_index`.
gpu::GPUModuleOp gpuKernelModule(ModuleOp module);

/// The description of `chip`, or null after an error on `module` naming the known ones.
const ssmc::GpuTarget *lookupGpuTargetOrFail(ModuleOp module, StringRef chip);

} // namespace mlir::ssm

#endif // SSM_PASSES_TRANSFORMS_KERNELOUTLINING_H
