//===- Passes.td - the project's passes --------------------*- tablegen -*-===//
//
// Every pass of the project, sorted by flag. Conversions (passes/Conversion/) change dialects;
// transforms (passes/Transforms/) restructure IR within them.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_PASSES_TD
#define SSM_PASSES_TD

include "mlir/Pass/PassBase.td"

def SSMDecompose : Pass<"ssm-decompose", "func::FuncOp"> {
  let summary = "Decompose selective_scan and ssd into their unfused steps";
  let description = [{
    `ssm.selective_scan` becomes `ssm.discretize` (method `mamba`) on operands broadcast to
    `(B, D, N, L)`, `ssm.scan` along `L`, and a contraction with `C` over `N` (plus the skip and
    the gate). `ssm.ssd` becomes the chunked algorithm with chunks of `chunk_size` steps: the
    cumulative sum of `dt * A` per chunk (`ssm.associative_scan`), `ssm.segsum`,
    `ssm.chunk_state`, `ssm.state_passing` and `ssm.chunk_scan`; the last chunk is padded with
    zero steps, which leave the state unchanged. The glue is index-based `linalg.generic`.

    This is the semantic reference inside the compiler: results equal the fused ops' up to
    rounding (the numerics suite checks it), at the cost of `(B, D, N, L)` intermediates.

    Before:
    ```mlir
    %y, %h = ssm.selective_scan %u, %delta, %A, %B, %C : (...) -> (...)
    ```
    After:
    ```mlir
    %abar, %bbar = ssm.discretize mamba %dt, %a, %bu : ...
    %hs, %h = ssm.scan %abar, %bbar dim = 3 : ...
    %y = linalg.generic ... // sum over N of C * hs
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def SSMFormCpuKernels : Pass<"ssm-form-cpu-kernels", "ModuleOp"> {
  let summary = "Outline each top-level parallel loop nest into a CPU kernel and dispatch it";
  let description = [{
    Runs on bufferized IR whose host functions take the runtime environment as their first
    argument (see `ssm-host-env`). Every outermost `scf.parallel` of a host function becomes a
    kernel: a function `(args: !llvm.ptr, begin: index, end: index)` that reads the values the
    loop nest uses from `args` and runs the flattened iterations `[begin, end)`; the loop is
    replaced by `ssmrt.dispatch` over the product of its trip counts. Constants are cloned into
    the kernel rather than passed. Host `memref.alloc`s become `ssmrt.alloc`, and host
    `memref.copy`s become copy kernels, so that no host code touches tensor data.

    Before:
    ```mlir
    func.func @main(%env: !llvm.ptr, %x: memref<?xf32>) -> memref<?xf32> {
      %n = memref.dim %x, %c0 : memref<?xf32>
      %y = memref.alloc(%n) : memref<?xf32>
      scf.parallel (%i) = (%c0) to (%n) step (%c1) { ... }
      return %y : memref<?xf32>
    }
    ```
    After:
    ```mlir
    func.func private @main_kernel_0(%args: !llvm.ptr, %begin: index, %end: index) {
      %x = ssmrt.load_arg %args[0] : memref<?xf32>
      ...
      scf.for %i = %begin to %end step %c1 { ... }
    }
    func.func @main(%env: !llvm.ptr, %x: memref<?xf32>) -> memref<?xf32> {
      %y = ssmrt.alloc %env(%n) : memref<?xf32>
      ssmrt.dispatch %env @main_kernel_0[%n](%x, %y : memref<?xf32>, memref<?xf32>)
      return %y : memref<?xf32>
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::ssmrt::SSMRTDialect"
  ];
  let statistics = [
    Statistic<"numKernels", "kernels", "Number of CPU kernels formed">
  ];
}

def SSMFormGpuKernels : Pass<"ssm-form-gpu-kernels", "ModuleOp"> {
  let summary = "Outline each top-level parallel loop nest into a GPU kernel and launch it";
  let description = [{
    The GPU counterpart of `ssm-form-cpu-kernels`: every outermost `scf.parallel` of a host
    function becomes a `gpu.func` in `gpu.module @ssm_kernels` that runs one flattened
    iteration per thread (blocks of the target's default size, a bounds check for the last
    block), and the loop is replaced by `ssmrt.launch`. Kernels are numbered in the order they
    are formed (`ssm.kernel_index`): the artifact's launch table. Host allocations become
    `ssmrt.alloc` (device memory); host code left touching memory is an error.

    After:
    ```mlir
    gpu.module @ssm_kernels {
      gpu.func @main_kernel_0(%x: memref<?xf32>, %y: memref<?xf32>, %n: index) kernel
          attributes {ssm.kernel_index = 0 : i32} {
        %i = ... block_id * block_dim + thread_id
        scf.if %i < %n { ... }
        gpu.return
      }
    }
    func.func @main(%env: !llvm.ptr, %x: memref<?xf32>) -> memref<?xf32> {
      %y = ssmrt.alloc %env(%n) : memref<?xf32>
      ssmrt.launch %env @ssm_kernels::@main_kernel_0 index 0 grid(%g, %c1, %c1)
          block(%c256, %c1, %c1) shared(%c0_i32) (%x, %y, %n : memref<?xf32>, memref<?xf32>, index)
      return %y : memref<?xf32>
    }
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "The GPU (see include/ssm-compiler/GpuTarget.h)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::ssmrt::SSMRTDialect"
  ];
  let statistics = [
    Statistic<"numKernels", "kernels", "Number of GPU kernels formed">
  ];
}

def SSMHostEntry : Pass<"ssm-host-entry", "ModuleOp"> {
  let summary = "Create the exported entry point `ssm_main` of a host module";
  let description = [{
    Wraps the entry function (taking the environment, then memref inputs, returning memrefs)
    into `ssm_main(env, inputs, outputs) -> i32` of the host ABI: it reads each input
    descriptor from `inputs[i]`, calls the entry function, writes each result descriptor to
    `outputs[i]` and returns the environment's status. The entry function becomes private.
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"main\"",
           "The function to export">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::ssmrt::SSMRTDialect"];
}

def SSMHostEnv : Pass<"ssm-host-env", "ModuleOp"> {
  let summary = "Give the entry function the runtime environment as its first argument";
  let description = [{
    Prepends `%env: !llvm.ptr` (an `ssm_host_env *`) to the entry function's arguments. The
    lowering of the ssm and lm ops reads it for run-time checks, and kernel formation for
    allocations and dispatches. Private functions must have been inlined.
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"main\"",
           "The function that becomes the entry point">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def SSMLowerToGpu : Pass<"ssm-lower-to-gpu", "ModuleOp"> {
  let summary = "Lower the ssm ops that have GPU kernels of their own (the CUDA path)";
  let description = [{
    Replaces each op that has a kernel written for the GPU by a `gpu.func` in
    `gpu.module @ssm_kernels` and an `ssmrt.launch`; operands are read as buffers and results
    are fresh buffers, as in `ssm-lower-to-loops`, which handles the ops left over.

    `ssm.selective_scan` with a static power-of-two `N`: a channel's `N` states are spread
    over `N / K` adjacent lanes of a warp, `K` states per lane (`states-per-lane`; 0: 4, or
    more where `N / 4` lanes would not fit a warp or two stages would not fit in a block's
    shared memory), four warps per block. The sequence is
    walked in tiles of `T` steps (the most of `N / K` and one 16-byte vector of `B`): each
    lane computes `T / (N / K)` steps' `softplus(delta + bias)` and the lanes exchange them
    with shuffles; the partial outputs `sum C[n] * h[n]` of the lane's states are summed over
    the lanes by a butterfly reduce-scatter that leaves each lane the outputs of the steps it
    computed, which it gates and stores. The state never leaves registers. Two kernels are
    built: a staged one, used when the length is a multiple of the vector width and a block's
    channels share one group of `B` and `C`, copies `B` and `C` into shared memory a stage at a
    time (double-buffered, f32, one barrier per stage) where all the block's channels read
    them; the general one reads each lane's rows from global memory (16-byte vectors a tile
    ahead when the length allows). Each kernel carries its tiling and shared-memory plan as
    `ssm.tiling`. With the default tiling, kernels with half the states per lane are built
    too, and host code launches those when `B * D * N / (K * 32)`, the default's warps, is
    under 8 per SM of the GPU (`chip`): small batches get twice the warps.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "The GPU (see ssm-compiler/GpuTarget.h)">,
    Option<"statesPerLane", "states-per-lane", "int64_t", /*default=*/"0",
           "States of a channel per lane in the selective scan kernel (0: the default)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::ssmrt::SSMRTDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def SSMLowerToLLVM : Pass<"ssm-lower-to-llvm", "ModuleOp"> {
  let summary = "Lower host and kernel code of the CPU path to the LLVM dialect";
  let description = [{
    One conversion from the memref, cf, arith, math, func and ssmrt dialects to LLVM (run
    `convert-scf-to-cf`, `expand-strided-metadata` and `lower-affine` first, and
    `reconcile-unrealized-casts` after). The `ssmrt` ops become loads of the runtime
    environment's function pointers and indirect calls (see `runtime/include/ssm/host_abi.h`);
    `ssmrt.dispatch` packs its arguments into a `void *` array on the stack. Before converting,
    bf16 conversions are expanded to integer arithmetic (the host has no bf16 instructions)
    and, with `approximate-math`, `exp`, `expm1`, `log1p` and `tanh` become polynomial
    approximations that the loop vectorizer can vectorize (libm calls it cannot).
  }];
  let options = [
    Option<"approximateMath", "approximate-math", "bool", /*default=*/"true",
           "Expand transcendental functions into vectorizable polynomials">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def SSMLowerToLoops : Pass<"ssm-lower-to-loops", "func::FuncOp"> {
  let summary = "Lower the ssm and lm ops to memref loop nests (the CPU path)";
  let description = [{
    Replaces each `ssm` and `lm` op by loops over memrefs: an outer `scf.parallel` over the
    independent rows (batch x channels or heads, ...) and sequential loops inside, with the
    running state in stack memory and all arithmetic in `f32`. Operands are read through
    `bufferization.to_buffer` and results are fresh buffers returned through
    `bufferization.to_tensor`, so the function can then be bufferized as a whole. Dynamic
    dimensions that the verifier could not relate are checked at run time with
    `ssmrt.check`, which needs the environment argument of `ssm-host-env`.

    `ssm.selective_scan` and `ssm.ssd` are lowered fused (one pass over the sequence, the
    state of one row in registers and stack); `ssm-decompose` gives their unfused form. The
    element-wise `ssm.silu` and `ssm.softplus` become `linalg.generic` ops on tensors, which
    bufferize and become loops with the rest of the function's linalg ops.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::ssmrt::SSMRTDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def SSMRaise : Pass<"ssm-raise", "func::FuncOp"> {
  let summary = "Recognise SiLU, softplus, norms, convs, RoPE, attention and the SSD in plain ops";
  let description = [{
    Exported models spell these building blocks with standard ops, which the importer turns
    into one linalg op per ONNX node. This pass matches those subgraphs on structure (every
    operand, indexing map and constant is checked) and replaces them with the ops that carry
    their meaning, in two rounds:

    1. `x * sigmoid(x)` becomes `ssm.silu`; ONNX's Softplus and torch's thresholded
       `where(x > 20, x, softplus(x))` become `ssm.softplus`. The index clamps Slice puts
       around sizes fold where sizes being `>= 0` and `s + c1 <= s + c2` (`c1 <= c2`) decide
       them, so slices of dynamic shapes can be compared with tensor sizes.
    2. A depthwise convolution zero-padded by `K-1` before the sequence, with an optional bias,
       sliced back to the input length and optionally followed by `ssm.silu`, becomes
       `ssm.causal_conv1d` (activation `silu` when it absorbed one); so does the decode form
       `conv(concat(state, x))` with a `K-1`-column state, which becomes `init(state)`, its
       final state replacing the slice `concat(state, x)[..., -(K-1):]`. `w * x / sqrt(mean(x^2) +
       eps)` over the last dimension (Pow, ReduceMean, Add, Sqrt, Reciprocal, Mul) becomes
       `lm.rms_norm`; computed on `y * silu(z)`, or in groups of the last dimension (a reshape
       to `(..., G, D/G)` and back), it becomes `ssm.gated_rms_norm`, as does an
       `lm.rms_norm` (ONNX's RMSNormalization) of `y * silu(z)`. Rotate-half RoPE,
       `x * cos + cat(-x2, x1) * sin` on `(B, H, L, R)` with constant `(1, .., L, R)` tables
       whose halves are equal, becomes `lm.rotary` on the half tables. torch's decomposed
       scaled-dot-product attention (q and k^T each scaled, `repeat_kv` by unsqueeze, expand
       and reshape, an additive mask, softmax, the NaN guard, the product with v) becomes
       `lm.attention` with GQA, the mask and the product of the two scales, followed by the same
       guard on its output. transformers' chunked SSD (`torch_forward` of the Mamba-2 mixers:
       `x * dt` and `A * dt` padded and cut into chunks, `exp(segment_sum(A))` masked by
       `C B^T` within chunks, chunk states decayed by `exp(A_cumsum[-1] - A_cumsum)`, passed
       between chunks by `exp(segment_sum(pad(A_cumsum[-1])))`, read out by
       `C states exp(A_cumsum)`, plus `D * x`) becomes `ssm.ssd`. Every step is checked on
       the indices it combines, seen through transposes, broadcasts and reshapes; B and C
       repeated per head (`repeat_interleave`) become groups, and `clamp(softplus(dt + bias))`
       becomes the op's `dt_bias`, `dt_softplus`, `dt_min` and `dt_max`.

    Anything that does not match exactly stays as it is and keeps its meaning.

    Before:
    ```mlir
    %s = linalg.generic ... { 1 / (1 + exp(-x)) } ins(%x)
    %y = linalg.generic ... { a * b } ins(%x, %s)
    ```
    After:
    ```mlir
    %y = ssm.silu %x : tensor<2x96x5xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::lm::LMDialect",
    "::mlir::ssm::SSMDialect"
  ];
}

def SSMTestPrintGpuPlan : Pass<"ssm-test-print-gpu-plan", "ModuleOp"> {
  let summary = "Test only: report each GPU kernel's tiling and shared-memory plan";
  let description = [{
    Emits a remark on every `gpu.func` kernel that carries an `ssm.tiling` plan, e.g.
    `ssm_selective_scan_n16_k4_staged: 128 threads per block, 16384 bytes of shared memory;
    channels_per_block = 32, lanes_per_channel = 4, ...`, and an error on a kernel without one
    (every kernel the pipeline builds has a plan). For lit tests of the tiling choices.
  }];
}

#endif // SSM_PASSES_TD
