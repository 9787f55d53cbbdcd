//===- SSMRTDialect.td - the ssmrt dialect -----------------*- tablegen -*-===//
//
// The `ssmrt` dialect: how compiled host code talks to the runtime (runtime/include/ssm/
// host_abi.h). It appears late in the pipeline, after bufferization, and lowers to LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_DIALECT_SSMRTDIALECT_TD
#define SSM_DIALECT_SSMRTDIALECT_TD

include "mlir/IR/OpBase.td"

def SSMRT_Dialect : Dialect {
  let name = "ssmrt";
  let cppNamespace = "::mlir::ssmrt";
  let summary = "The host-code interface to the ssm runtime";
  let description = [{
    Compiled host code receives a pointer to the runtime's environment (`ssm_host_env` in
    `runtime/include/ssm/host_abi.h`) and calls back into it to allocate memory, report a
    failed check and dispatch CPU kernels over a thread pool. The ops of this dialect are
    those calls, at the memref level; `ssm-lower-to-llvm` turns them into loads of the
    environment's function pointers and indirect calls.

    Arguments cross the boundary as arrays of pointers (`void **`): element `i` points to a
    memref descriptor or an `int64_t`. `ssmrt.load_arg` and `ssmrt.store_arg` read and write
    them.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::gpu::GPUDialect"];
}

class SSMRT_Op<string mnemonic, list<Trait> traits = []>
    : Op<SSMRT_Dialect, mnemonic, traits>;

#endif // SSM_DIALECT_SSMRTDIALECT_TD
