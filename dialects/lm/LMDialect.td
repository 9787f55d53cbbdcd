//===- LMDialect.td - the lm dialect -----------------------*- tablegen -*-===//
//
// The `lm` dialect: the language-model operators of hybrid models that upstream MLIR lacks and
// that need kernels of their own.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_DIALECT_LMDIALECT_TD
#define SSM_DIALECT_LMDIALECT_TD

include "mlir/IR/OpBase.td"

def LM_Dialect : Dialect {
  let name = "lm";
  let cppNamespace = "::mlir::lm";
  let summary = "Language-model operators of hybrid SSM models: attention, norms, rotary";
  let description = [{
    Value-semantics operations on ranked tensors for the non-SSM layers of hybrid models
    (Jamba, Bamba, Nemotron-H, Zamba2, Falcon-H1): scaled dot-product attention with grouped
    query heads, masks, soft-capping and a key/value cache; RMS normalization; rotary position
    embedding. Everything else stays in upstream dialects (linalg, tensor, arith, math).
    Arithmetic is done in `f32`; results are rounded to the activation type.

    See `docs/RationaleLM.md`.
  }];
}

class LM_Op<string mnemonic, list<Trait> traits = []>
    : Op<LM_Dialect, mnemonic, traits>;

#endif // SSM_DIALECT_LMDIALECT_TD
