//===- SSMRTOps.td - ssmrt dialect operations --------------*- tablegen -*-===//

#ifndef SSM_DIALECT_SSMRTOPS_TD
#define SSM_DIALECT_SSMRTOPS_TD

include "dialects/ssmrt/SSMRTDialect.td"
include "mlir/Dialect/LLVMIR/LLVMOpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def SSMRT_AnyArg : AnyTypeOf<[AnyMemRef, Index, AnySignlessInteger, AnyFloat]>;

def SSMRT_AllocOp : SSMRT_Op<"alloc", [
    MemoryEffects<[MemAlloc<DefaultResource>]>]> {
  let summary = "allocate host memory owned by the current call";
  let description = [{
    Calls `env->alloc` for a contiguous buffer of the result's shape (`dynamicSizes` give the
    dynamic dimensions in order). The runtime owns the memory: it frees it after the call
    unless the buffer becomes an output. After a failed check it returns null, which is never
    accessed because every later dispatch is skipped.

    ```mlir
    %buf = ssmrt.alloc %env(%d0, %d1) : memref<?x16x?xf32>
    ```
  }];
  let arguments = (ins LLVM_DefaultPointer:$env, Variadic<Index>:$dynamicSizes);
  let results = (outs Res<AnyMemRef, "", [MemAlloc<DefaultResource>]>:$memref);
  let assemblyFormat = "$env `(` $dynamicSizes `)` attr-dict `:` type($memref)";
  let hasVerifier = 1;
}

def SSMRT_CheckOp : SSMRT_Op<"check"> {
  let summary = "report a violated run-time condition";
  let description = [{
    When `condition` is false, calls `env->fail(message, a, b)`; the runtime reports the first
    failure with the two values, and compiled code skips every dispatch after it. Lowerings
    emit checks for what the verifier could not prove because dimensions were dynamic.

    ```mlir
    ssmrt.check %env, %same, %l0, %l1, "ssm.selective_scan: L of 'B' differs from L of 'u'"
    ```
  }];
  let arguments = (ins LLVM_DefaultPointer:$env, I1:$condition, I64:$a, I64:$b, StrAttr:$message);
  let assemblyFormat = "$env `,` $condition `,` $a `,` $b `,` $message attr-dict";
  // A check whose condition folded to true is erased.
  let hasCanonicalizeMethod = 1;
}

def SSMRT_DispatchOp : SSMRT_Op<"dispatch", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "run a CPU kernel over a range of workgroups";
  let description = [{
    Calls `env->parallel_for(kernel, args, workgroups)` unless a check has failed: the runtime
    runs `kernel(args, begin, end)` on disjoint ranges covering `[0, workgroups)`. `kernel` is
    a function `(!llvm.ptr, index, index) -> ()` that reads its arguments with
    `ssmrt.load_arg` in the order given here.

    ```mlir
    ssmrt.dispatch %env @selective_scan_0[%n](%u, %y, %d : memref<?x?x?xf32>, memref<?x?x?xf32>, index)
    ```
  }];
  let arguments = (ins LLVM_DefaultPointer:$env, FlatSymbolRefAttr:$kernel, Index:$workgroups,
                       Variadic<SSMRT_AnyArg>:$args);
  let assemblyFormat = [{
    $env $kernel `[` $workgroups `]` `` `(` ($args^ `:` type($args))? `)` attr-dict
  }];
}

def SSMRT_LaunchOp : SSMRT_Op<"launch", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "launch a GPU kernel";
  let description = [{
    Calls `env->launch` for the `gpu.func` `kernel` (entry `index` of the artifact's GPU
    kernel table) over `grid` blocks of `block` threads with `shared` bytes of dynamic shared
    memory, unless a check has failed. Arguments are passed as the kernel's parameters in the
    layout of `convert-gpu-to-nvvm` (a memref becomes its descriptor's fields).

    ```mlir
    ssmrt.launch %env @ssm_kernels::@main_kernel_0 index 0 grid(%gx, %c1, %c1)
        block(%c256, %c1, %c1) shared(%c0_i32) (%x, %n : memref<?xf32>, index)
    ```
  }];
  let arguments = (ins LLVM_DefaultPointer:$env, SymbolRefAttr:$kernel, I32Attr:$index,
                       Index:$gridX, Index:$gridY, Index:$gridZ,
                       Index:$blockX, Index:$blockY, Index:$blockZ, I32:$shared,
                       Variadic<SSMRT_AnyArg>:$args);
  let assemblyFormat = [{
    $env $kernel `index` $index `grid` `(` $gridX `,` $gridY `,` $gridZ `)`
    `block` `(` $blockX `,` $blockY `,` $blockZ `)` `shared` `(` $shared `)`
    `(` ($args^ `:` type($args))? `)` attr-dict
  }];
}

def SSMRT_LoadArgOp : SSMRT_Op<"load_arg", [MemoryEffects<[MemRead]>]> {
  let summary = "read argument `index` of a `void **` argument array";
  let description = [{
    `%v = ssmrt.load_arg %args[2] : memref<?x8xf32>` reads the memref descriptor (or the
    `int64_t`, for an integer or index type) that `args[2]` points to.
  }];
  let arguments = (ins LLVM_DefaultPointer:$args, I64Attr:$index);
  let results = (outs SSMRT_AnyArg:$value);
  let assemblyFormat = "$args `[` $index `]` attr-dict `:` type($value)";
}

def SSMRT_StoreArgOp : SSMRT_Op<"store_arg", [MemoryEffects<[MemWrite]>]> {
  let summary = "write argument `index` of a `void **` argument array";
  let description = [{
    `ssmrt.store_arg %m, %outs[0] : memref<?xf32>` writes the descriptor of `%m` to the storage
    that `outs[0]` points to.
  }];
  let arguments = (ins SSMRT_AnyArg:$value, LLVM_DefaultPointer:$args, I64Attr:$index);
  let assemblyFormat = "$value `,` $args `[` $index `]` attr-dict `:` type($value)";
}

def SSMRT_StatusOp : SSMRT_Op<"status", [MemoryEffects<[MemRead]>]> {
  let summary = "the environment's status: 0 unless a check failed";
  let arguments = (ins LLVM_DefaultPointer:$env);
  let results = (outs I32:$status);
  let assemblyFormat = "$env attr-dict `:` type($status)";
}

#endif // SSM_DIALECT_SSMRTOPS_TD
