//===- SSMDialect.td - the ssm dialect ---------------------*- tablegen -*-===//
//
// The `ssm` dialect: state-space-model operators with their mathematical meaning.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_DIALECT_SSMDIALECT_TD
#define SSM_DIALECT_SSMDIALECT_TD

include "mlir/IR/OpBase.td"

def SSM_Dialect : Dialect {
  let name = "ssm";
  let cppNamespace = "::mlir::ssm";
  let summary = "State-space-model operators: discretization, scans, selective scan, SSD";
  let description = [{
    The `ssm` dialect carries the meaning of state-space models (S4, Mamba-1, Mamba-2) as
    value-semantics operations on ranked tensors, so that the compiler can tile, fuse and lower
    them into kernels that keep the recurrent state in registers and shared memory.

    Activations are `f32`, `bf16` or `f16`; recurrent states and all accumulation are `f32`.
    Layouts follow mamba_ssm's functional APIs. Every operation lists its constraints as
    numbered rules (C1, C2, ...); verifier messages cite them.

    See `docs/RationaleSSM.md` for why scans are operations rather than loops.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class SSM_Op<string mnemonic, list<Trait> traits = []>
    : Op<SSM_Dialect, mnemonic, traits>;

#endif // SSM_DIALECT_SSMDIALECT_TD
