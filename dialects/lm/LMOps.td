//===- LMOps.td - lm dialect operations --------------------*- tablegen -*-===//
//
// Each operation's description gives its meaning, an example and its numbered constraints. The
// verifier's messages start with the constraint they enforce, e.g. "[C3]".
//
//===----------------------------------------------------------------------===//

#ifndef SSM_DIALECT_LMOPS_TD
#define SSM_DIALECT_LMOPS_TD

include "dialects/lm/LMDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def LM_AttentionOp : LM_Op<"attention", [Pure, AttrSizedOperandSegments]> {
  let summary = "scaled dot-product attention with GQA, masks, soft-cap and a KV cache";
  let description = [{
    Multi-head attention over heads of queries `q (B, Hq, Lq, Dk)`, keys `k (B, Hkv, Lk, Dk)`
    and values `v (B, Hkv, Lk, Dv)`, with an optional key/value cache of `Lp` earlier steps.
    With `K = concat(past_key, k)` and `V = concat(past_value, v)` along the sequence
    (`T = Lp + Lk` positions), query head `h` reads key/value head `h / (Hq / Hkv)` (grouped
    query attention; `Hq = Hkv` is plain multi-head attention):

    ```
    s[i,j] = scale * q[i] . K[j]                        scale defaults to 1 / sqrt(Dk)
    s[i,j] = softcap * tanh(s[i,j] / softcap)           when softcap > 0
    s[i,j] = s[i,j] + mask[i,j]                         a boolean mask adds 0 (true) or -inf
    s[i,j] = -inf  where j > i + Lp                     when causal
    out[i] = sum_j softmax_j(s[i,:]) * V[j]
    ```

    The soft-cap comes before the mask so that masked positions stay at `-inf` (as in ONNX's
    `Attention`). Results: `out (B, Hq, Lq, Dv)` and the updated cache `present_key`,
    `present_value` of `T` steps. The scores and the softmax are computed in `f32`.

    ```mlir
    %out, %pk, %pv = lm.attention %q, %k, %v past(%past_k, %past_v) causal
        : (tensor<1x32x1x128xbf16>, tensor<1x8x1x128xbf16>, tensor<1x8x1x128xbf16>,
           tensor<1x8x511x128xbf16>, tensor<1x8x511x128xbf16>)
        -> (tensor<1x32x1x128xbf16>, tensor<1x8x512x128xbf16>, tensor<1x8x512x128xbf16>)
    ```

    Constraints:
    - (C1) `q` is `(B, Hq, Lq, Dk)`, `k` is `(B, Hkv, Lk, Dk)`, `v` is `(B, Hkv, Lk, Dv)`, all of
      one element type: `f32`, `bf16` or `f16`.
    - (C2) `Hkv >= 1` divides `Hq`.
    - (C3) `past_key` and `past_value` are both present or both absent; `past_key` is
      `(B, Hkv, Lp, Dk)` and `past_value` `(B, Hkv, Lp, Dv)`, of `q`'s element type.
    - (C4) `mask`, when present, has rank 2 to 4, and each of its dimensions, aligned from the
      right with `(B, Hq, Lq, T)`, is 1 or equal to it; its element type is `q`'s or `i1`.
    - (C5) `scale > 0` when given; `softcap >= 0`.
    - (C6) `out` is `(B, Hq, Lq, Dv)` of `q`'s element type; `present_key` is `(B, Hkv, T, Dk)`
      and `present_value` `(B, Hkv, T, Dv)`, of `q`'s element type.
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k, AnyRankedTensor:$v,
                       Optional<AnyRankedTensor>:$mask,
                       Optional<AnyRankedTensor>:$past_key,
                       Optional<AnyRankedTensor>:$past_value,
                       UnitAttr:$causal,
                       OptionalAttr<F32Attr>:$scale,
                       DefaultValuedAttr<F32Attr, "0.0f">:$softcap);
  let results = (outs AnyRankedTensor:$out, AnyRankedTensor:$present_key,
                      AnyRankedTensor:$present_value);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`mask` `(` $mask^ `)`)? (`past` `(` $past_key^ `,` $past_value `)`)?
    (`causal` $causal^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The scale applied to q . k: the attribute, or 1 / sqrt(Dk).
    float getEffectiveScale();
  }];
  let hasVerifier = 1;
}

def LM_RMSNormOp : LM_Op<"rms_norm", [Pure]> {
  let summary = "RMS normalization of the last dimension";
  let description = [{
    `y = x / sqrt(mean(x^2 over the last dimension) + eps) * w`, computed in `f32` and rounded
    to `x`'s type.

    ```mlir
    %y = lm.rms_norm %x, %w {eps = 1.0e-06 : f32} : tensor<1x512x2048xbf16>, tensor<2048xf32>
        -> tensor<1x512x2048xbf16>
    ```

    Constraints:
    - (C1) `x` has rank >= 1 and element type `f32`, `bf16` or `f16`.
    - (C2) `w` is `(D)` of a float type, `D` the last dimension of `x`.
    - (C3) `eps > 0`.
    - (C4) `y` has the type of `x`.
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$w,
                       DefaultValuedAttr<F32Attr, "1.0e-5f">:$eps);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = [{
    $x `,` $w attr-dict `:` type($x) `,` type($w) `->` type($y)
  }];
  let hasVerifier = 1;
}

def LM_RotaryOp : LM_Op<"rotary", [Pure]> {
  let summary = "rotary position embedding of the leading R channels of each head";
  let description = [{
    Rotates pairs of channels of `x (B, H, L, Dh)` by per-position angles given as `cos` and
    `sin` of shape `(B or 1, L, R/2)` (already gathered at each token's position). The first
    `R = 2 * (R/2)` channels rotate; the rest pass through. Pair `i` (i < R/2) is channels
    `(i, i + R/2)` (rotate-half, GPT-NeoX/Llama) or, with `interleaved`, `(2i, 2i + 1)` (GPT-J):

    ```
    y[first]  = x[first] * cos[i] - x[second] * sin[i]
    y[second] = x[second] * cos[i] + x[first] * sin[i]
    ```

    ```mlir
    %y = lm.rotary %x, %cos, %sin : tensor<1x32x512x128xbf16>, tensor<1x512x64xf32>,
        tensor<1x512x64xf32> -> tensor<1x32x512x128xbf16>
    ```

    Constraints:
    - (C1) `x` is `(B, H, L, Dh)` of `f32`, `bf16` or `f16`.
    - (C2) `cos` and `sin` have one type, `(B or 1, L, R/2)` of a float type.
    - (C3) `R <= Dh`.
    - (C4) `y` has the type of `x`.
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$cos, AnyRankedTensor:$sin,
                       UnitAttr:$interleaved);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = [{
    $x `,` $cos `,` $sin (`interleaved` $interleaved^)? attr-dict `:` type($x) `,` type($cos)
    `,` type($sin) `->` type($y)
  }];
  let hasVerifier = 1;
}

#endif // SSM_DIALECT_LMOPS_TD
