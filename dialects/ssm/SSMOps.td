//===- SSMOps.td - ssm dialect operations ------------------*- tablegen -*-===//
//
// Each operation's description gives its meaning (the math), an example and its numbered
// constraints. The verifier's messages start with the constraint they enforce, e.g. "[C3]".
//
//===----------------------------------------------------------------------===//

#ifndef SSM_DIALECT_SSMOPS_TD
#define SSM_DIALECT_SSMOPS_TD

include "dialects/ssm/SSMDialect.td"
include "dialects/ssm/SSMAttrs.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// ssm.discretize
//===----------------------------------------------------------------------===//

def SSM_DiscretizeOp : SSM_Op<"discretize", [Pure]> {
  let summary = "discretize a diagonal continuous-time SSM (per element)";
  let description = [{
    Turns the step sizes `dt` and the diagonal state matrix `A` (and the input matrix `B`) of a
    continuous-time SSM into the discrete `Abar` (and `Bbar`), element by element, in `f32`:

    | method     | `Abar`                              | `Bbar`                                |
    |------------|-------------------------------------|---------------------------------------|
    | `zoh`      | `exp(dt*A)`                         | `(exp(dt*A) - 1) / A * B`             |
    | `euler`    | `1 + dt*A`                          | `dt*B`                                |
    | `bilinear` | `(1 + dt*A/2) / (1 - dt*A/2)`       | `dt*B / (1 - dt*A/2)`                 |
    | `mamba`    | `exp(dt*A)`                         | `dt*B` (what Mamba-1 and -2 use)      |

    `A` is usually stored as `A_log` in checkpoints; importers materialise `A = -exp(A_log)`.
    Operands are already broadcast to one shape.

    ```mlir
    %abar, %bbar = ssm.discretize zoh %dt, %a, %b
        : tensor<2x8x16xbf16>, tensor<2x8x16xf32>, tensor<2x8x16xbf16>
        -> tensor<2x8x16xf32>, tensor<2x8x16xf32>
    ```

    Constraints:
    - (C1) `dt`, `A` and `B` (when present) have one shape.
    - (C2) their element types are `f32`, `bf16` or `f16`.
    - (C3) `Abar` has that shape and element type `f32`.
    - (C4) `Bbar` is present exactly when `B` is, with that shape and element type `f32`.
  }];
  let arguments = (ins AnyRankedTensor:$dt, AnyRankedTensor:$A,
                       Optional<AnyRankedTensor>:$B,
                       SSM_DiscretizeMethod:$method);
  let results = (outs AnyRankedTensor:$Abar, Optional<AnyRankedTensor>:$Bbar);
  let assemblyFormat = [{
    $method $dt `,` $A (`,` $B^)? attr-dict `:` type($dt) `,` type($A) (`,` type($B)^)?
    `->` type(results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ssm.scan
//===----------------------------------------------------------------------===//

def SSM_ScanOp : SSM_Op<"scan", [Pure]> {
  let summary = "first-order linear recurrence along one dimension";
  let description = [{
    Computes `h_t = a_t * h_{t-1} + b_t` along dimension `dim` for t = 0 .. L-1 (or L-1 .. 0
    with `reverse`), starting from `h0` (zeros when absent). Results: every `h_t` and the last
    state (the one after the final step, i.e. `h_{L-1}`, or `h_0` with `reverse`). With L = 0
    the last state is `h0`.

    The recurrence is associative in the pairs `(a, b)`, which is what the tiling passes use
    (chunked and warp-level scans); see `ssm.associative_scan`.

    ```mlir
    %h, %last = ssm.scan %a, %b init(%h0) dim = 2
        : (tensor<2x4x64xf32>, tensor<2x4x64xf32>, tensor<2x4xf32>)
        -> (tensor<2x4x64xf32>, tensor<2x4xf32>)
    ```

    Constraints:
    - (C1) `a` and `b` have the same type.
    - (C2) the element type is `f32`, `bf16` or `f16`.
    - (C3) `0 <= dim < rank(a)`.
    - (C4) `h0`, when present, has the shape of `a` without `dim` and `a`'s element type.
    - (C5) `h` has the type of `a`.
    - (C6) `h_last` has the shape of `a` without `dim` and `a`'s element type.
  }];
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$b,
                       Optional<AnyRankedTensor>:$h0,
                       I64Attr:$dim, UnitAttr:$reverse);
  let results = (outs AnyRankedTensor:$h, AnyRankedTensor:$h_last);
  let assemblyFormat = [{
    $a `,` $b (`init` `(` $h0^ `)`)? `dim` `=` $dim (`reverse` $reverse^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// ssm.associative_scan and its terminator
//===----------------------------------------------------------------------===//

def SSM_AssociativeScanOp : SSM_Op<"associative_scan", [Pure, SingleBlock]> {
  let summary = "inclusive scan with an associative combiner";
  let description = [{
    The inclusive scan of `n` tensors along `dim` under the combiner region:
    `out_0 = x_0`, `out_t = combine(out_{t-1}, x_t)` (with `reverse`, from the end:
    `out_{L-1} = x_{L-1}`, `out_t = combine(out_{t+1}, x_t)`). The region takes the `n` scalars
    of the running value, then the `n` scalars of the new element, and yields `n` scalars.

    The combiner must be associative (this is not checked): the lowering reassociates it to scan
    in parallel (within a thread, across a warp with shuffles, across chunks). `ssm.scan` is the
    instance `combine((a1, b1), (a2, b2)) = (a1 * a2, a2 * b1 + b2)`; a cumulative sum is
    `combine(x, y) = x + y`.

    ```mlir
    %cs = ssm.associative_scan %x dim = 1 : tensor<4x128xf32> -> tensor<4x128xf32> {
    ^bb0(%acc: f32, %next: f32):
      %s = arith.addf %acc, %next : f32
      ssm.yield %s : f32
    }
    ```

    Constraints:
    - (C1) there is at least one input, and all inputs have one shape.
    - (C2) `0 <= dim < rank`.
    - (C3) the combiner's block has `2n` arguments: the element types of the inputs, twice.
    - (C4) the combiner yields `n` values of the inputs' element types.
    - (C5) results have the inputs' types.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$dim,
                       UnitAttr:$reverse);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$combiner);
  let assemblyFormat = [{
    $inputs `dim` `=` $dim (`reverse` $reverse^)? attr-dict `:` type($inputs) `->` type($results)
    $combiner
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def SSM_YieldOp : SSM_Op<"yield", [
    Pure, ReturnLike, Terminator, HasParent<"AssociativeScanOp">]> {
  let summary = "yields the combined values of an associative_scan combiner";
  let description = [{
    Terminates the combiner region of `ssm.associative_scan` with the combined scalars.
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

//===----------------------------------------------------------------------===//
// ssm.selective_scan (Mamba-1)
//===----------------------------------------------------------------------===//

def SSM_SelectiveScanOp : SSM_Op<"selective_scan", [
    Pure, AttrSizedOperandSegments]> {
  let summary = "Mamba-1 selective scan";
  let description = [{
    The input-dependent (selective) diagonal SSM of Mamba-1, in mamba_ssm's layout. With
    `g = d / (D / G)` and `h = h0` (zeros when absent), for each batch `b`, channel `d` and
    t = 0 .. L-1:

    ```
    dt    = softplus(delta[b,d,t] + delta_bias[d])      (without softplus unless delta_softplus)
    h[n]  = exp(dt * A[d,n]) * h[n] + dt * B[b,g,n,t] * u[b,d,t]     for n = 0 .. N-1
    y     = sum_n C[b,g,n,t] * h[n] + D[d] * u[b,d,t]
    y     = y * silu(z[b,d,t])                               (when z is present)
    ```

    `softplus(x) = log(1 + exp(x))`, `silu(x) = x * sigmoid(x)`. The state and all arithmetic are
    `f32`; `y` is rounded to the activation type. Results: `y (B,D,L)` and the last state
    `h_last (B,D,N)` in `f32` (the state to continue with; equal to `h0` when L = 0).

    ```mlir
    %y, %h = ssm.selective_scan %u, %delta, %A, %B, %C D(%D) z(%z)
        delta_bias(%db) delta_softplus
        : (tensor<1x1536x2048xbf16>, tensor<1x1536x2048xbf16>, tensor<1536x16xf32>,
           tensor<1x1x16x2048xbf16>, tensor<1x1x16x2048xbf16>, tensor<1536xf32>,
           tensor<1x1536x2048xbf16>, tensor<1536xf32>)
        -> (tensor<1x1536x2048xbf16>, tensor<1x1536x16xf32>)
    ```

    Constraints:
    - (C1) `u` has rank 3 `(B, D, L)`; `delta` has the type of `u`.
    - (C2) the element type of `u` is `f32`, `bf16` or `f16`.
    - (C3) `A` is `(D, N)` of `f32`.
    - (C4) `B` and `C` have one type, rank 4 `(B, G, N, L)`, element type `f32`, `bf16` or `f16`.
    - (C5) `G >= 1` divides `D`.
    - (C6) `D` (skip) and `delta_bias`, when present, are `(D)` of `f32`.
    - (C7) `z`, when present, has the type of `u`.
    - (C8) `h0`, when present, is `(B, D, N)` of `f32`.
    - (C9) `y` has the type of `u`; `h_last` is `(B, D, N)` of `f32`.
  }];
  let arguments = (ins AnyRankedTensor:$u, AnyRankedTensor:$delta, AnyRankedTensor:$A,
                       AnyRankedTensor:$B, AnyRankedTensor:$C,
                       Optional<AnyRankedTensor>:$D, Optional<AnyRankedTensor>:$z,
                       Optional<AnyRankedTensor>:$delta_bias,
                       Optional<AnyRankedTensor>:$h0,
                       UnitAttr:$delta_softplus);
  let results = (outs AnyRankedTensor:$y, AnyRankedTensor:$h_last);
  let assemblyFormat = [{
    $u `,` $delta `,` $A `,` $B `,` $C (`D` `(` $D^ `)`)? (`z` `(` $z^ `)`)?
    (`delta_bias` `(` $delta_bias^ `)`)? (`init` `(` $h0^ `)`)?
    (`delta_softplus` $delta_softplus^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ssm.ssd (Mamba-2)
//===----------------------------------------------------------------------===//

def SSM_SSDOp : SSM_Op<"ssd", [Pure, AttrSizedOperandSegments]> {
  let summary = "Mamba-2 state-space dual (scalar-decay SSM over heads)";
  let description = [{
    The Mamba-2 layer's SSM. For each batch `b` and head `h`, with `g = h / (H / G)`,
    `S = h0[b,h]` (zeros when absent) of shape `(P, N)`, and t = 0 .. L-1:

    ```
    dt  = clamp(softplus(dt[b,t,h] + dt_bias[h]), dt_min, dt_max)   (softplus if dt_softplus)
    S   = exp(dt * A[h]) * S + dt * outer(x[b,t,h,:], B[b,t,g,:])
    y[b,t,h,:] = S . C[b,t,g,:] + D[h] * x[b,t,h,:]                  (D may be (H, P))
    y[b,t,h,:] *= silu(z[b,t,h,:])                                    (when z is present)
    ```

    Results: `y (B, L, H, P)` in the activation type and the final state `S_L (B, H, P, N)` in
    `f32`. The state and all arithmetic are `f32`. The chunked algorithm (intra-chunk
    semiseparable matmuls plus inter-chunk state passing; see `ssm.segsum`, `ssm.chunk_state`,
    `ssm.state_passing`, `ssm.chunk_scan`) is how it is computed, not what it means:
    `chunk_size` is a hint, and results do not depend on it beyond rounding.

    ```mlir
    %y, %s = ssm.ssd %x, %dt, %A, %B, %C D(%D) dt_bias(%bias) dt_softplus
        {chunk_size = 256 : i64}
        : (tensor<1x2048x80x64xbf16>, tensor<1x2048x80xbf16>, tensor<80xf32>,
           tensor<1x2048x1x128xbf16>, tensor<1x2048x1x128xbf16>, tensor<80xf32>, tensor<80xf32>)
        -> (tensor<1x2048x80x64xbf16>, tensor<1x80x64x128xf32>)
    ```

    Constraints:
    - (C1) `x` has rank 4 `(B, L, H, P)` and element type `f32`, `bf16` or `f16`.
    - (C2) `dt` is `(B, L, H)` of `x`'s element type.
    - (C3) `A` is `(H)` of `f32`.
    - (C4) `B` and `C` have one type, rank 4 `(B, L, G, N)`, element type `f32`, `bf16`, `f16`.
    - (C5) `G >= 1` divides `H`.
    - (C6) `D`, when present, is `(H)` or `(H, P)` of `f32`; `dt_bias`, when present, `(H)` of
      `f32`.
    - (C7) `z`, when present, has the type of `x`.
    - (C8) `h0`, when present, is `(B, H, P, N)` of `f32`.
    - (C9) `chunk_size > 0` and `0 <= dt_min <= dt_max`.
    - (C10) `y` has the type of `x`; `final_state` is `(B, H, P, N)` of `f32`.
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$dt, AnyRankedTensor:$A,
                       AnyRankedTensor:$B, AnyRankedTensor:$C,
                       Optional<AnyRankedTensor>:$D, Optional<AnyRankedTensor>:$z,
                       Optional<AnyRankedTensor>:$dt_bias,
                       Optional<AnyRankedTensor>:$h0,
                       UnitAttr:$dt_softplus,
                       DefaultValuedAttr<F32Attr, "0.0f">:$dt_min,
                       DefaultValuedAttr<F32Attr, "std::numeric_limits<float>::infinity()">:$dt_max,
                       DefaultValuedAttr<I64Attr, "256">:$chunk_size);
  let results = (outs AnyRankedTensor:$y, AnyRankedTensor:$final_state);
  let assemblyFormat = [{
    $x `,` $dt `,` $A `,` $B `,` $C (`D` `(` $D^ `)`)? (`z` `(` $z^ `)`)?
    (`dt_bias` `(` $dt_bias^ `)`)? (`init` `(` $h0^ `)`)?
    (`dt_softplus` $dt_softplus^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// The steps of the chunked SSD algorithm
//===----------------------------------------------------------------------===//

def SSM_SegsumOp : SSM_Op<"segsum", [Pure]> {
  let summary = "segment sums of the last dimension (log-space decay matrix)";
  let description = [{
    For `x (..., T)` returns `s (..., T, T)` with
    `s[..., i, j] = x[..., j+1] + ... + x[..., i]` for `j <= i` (so the diagonal is 0) and
    `-inf` for `j > i`. With `x = dt * A` over a chunk, `exp(s)` is the causal decay matrix of
    the chunk: the factor by which the state at step `j` is scaled when it reaches step `i`.
    Summing the segments directly (rather than differencing a cumulative sum) keeps the
    precision when the cumulative sum is large.

    ```mlir
    %s = ssm.segsum %x : tensor<1x80x8x256xf32> -> tensor<1x80x8x256x256xf32>
    ```

    Constraints:
    - (C1) `x` has rank >= 1 and element type `f32`, `bf16` or `f16`.
    - (C2) the result is `x`'s shape followed by `x`'s last dimension, of `x`'s element type.
  }];
  let arguments = (ins AnyRankedTensor:$x);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
}

def SSM_ChunkStateOp : SSM_Op<"chunk_state", [Pure]> {
  let summary = "the state each SSD chunk contributes on its own";
  let description = [{
    Step 2 of the chunked SSD. For `nc` chunks of `Q` steps, with `g = h / (H / G)`:

    ```
    states[b,c,h,p,n] = sum_l B[b,c,l,g,n] * exp(cs[b,h,c,Q-1] - cs[b,h,c,l]) * x[b,c,l,h,p]
    ```

    where `cs` is the cumulative sum of `dt * A` within each chunk and `x` is already scaled by
    `dt`. This is the state at the end of chunk `c` when the chunk starts from zero.

    ```mlir
    %st = ssm.chunk_state %B, %x, %cs
        : tensor<1x8x256x1x128xf32>, tensor<1x8x256x80x64xf32>, tensor<1x80x8x256xf32>
        -> tensor<1x8x80x64x128xf32>
    ```

    Constraints:
    - (C1) `B` is `(b, nc, Q, G, N)`, `x` is `(b, nc, Q, H, P)`, `cs` is `(b, H, nc, Q)`, all
      `f32`.
    - (C2) `G >= 1` divides `H`.
    - (C3) the result is `(b, nc, H, P, N)` of `f32`.
  }];
  let arguments = (ins AnyRankedTensor:$B, AnyRankedTensor:$x, AnyRankedTensor:$dA_cumsum);
  let results = (outs AnyRankedTensor:$states);
  let assemblyFormat = [{
    $B `,` $x `,` $dA_cumsum attr-dict `:` type($B) `,` type($x) `,` type($dA_cumsum)
    `->` type($states)
  }];
  let hasVerifier = 1;
}

def SSM_StatePassingOp : SSM_Op<"state_passing", [Pure]> {
  let summary = "carry SSD chunk states across chunks";
  let description = [{
    Step 3 of the chunked SSD: the recurrence over chunks. With `s = h0` (zeros when absent):

    ```
    prev_states[b,c] = s;   s = exp(dA_chunk[b,h,c]) * s + states[b,c]      for c = 0 .. nc-1
    final_state[b] = s
    ```

    `dA_chunk` is the sum of `dt * A` over each chunk (the last element of the in-chunk
    cumulative sum). `prev_states[c]` is the state entering chunk `c`.

    ```mlir
    %prev, %final = ssm.state_passing %states, %dA init(%h0)
        : (tensor<1x8x80x64x128xf32>, tensor<1x80x8xf32>, tensor<1x80x64x128xf32>)
        -> (tensor<1x8x80x64x128xf32>, tensor<1x80x64x128xf32>)
    ```

    Constraints:
    - (C1) `states` is `(b, nc, H, P, N)` and `dA_chunk` is `(b, H, nc)`, both `f32`.
    - (C2) `h0`, when present, is `(b, H, P, N)` of `f32`.
    - (C3) `prev_states` has the type of `states`; `final_state` is `(b, H, P, N)` of `f32`.
  }];
  let arguments = (ins AnyRankedTensor:$states, AnyRankedTensor:$dA_chunk,
                       Optional<AnyRankedTensor>:$h0);
  let results = (outs AnyRankedTensor:$prev_states, AnyRankedTensor:$final_state);
  let assemblyFormat = [{
    $states `,` $dA_chunk (`init` `(` $h0^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SSM_ChunkScanOp : SSM_Op<"chunk_scan", [Pure]> {
  let summary = "SSD outputs from the intra-chunk products and the incoming chunk states";
  let description = [{
    Step 4 of the chunked SSD. For chunk `c`, step `l` within it and `g = h / (H / G)`:

    ```
    y[b,c,l,h,p] = sum_{s <= l} (C[b,c,l,g,:] . B[b,c,s,g,:]) * exp(seg[b,h,c,l,s]) * x[b,c,s,h,p]
                 + exp(cs[b,h,c,l]) * sum_n C[b,c,l,g,n] * prev_states[b,c,h,p,n]
    ```

    The first term is the semiseparable (masked attention-like) product inside the chunk, the
    second the contribution of the state entering the chunk. `x` is already scaled by `dt`;
    `seg` is `ssm.segsum` of `dt * A` per chunk and `cs` its cumulative sum.

    ```mlir
    %y = ssm.chunk_scan %C, %B, %x, %cs, %seg, %prev
        : tensor<1x8x256x1x128xf32>, tensor<1x8x256x1x128xf32>, tensor<1x8x256x80x64xf32>,
          tensor<1x80x8x256xf32>, tensor<1x80x8x256x256xf32>, tensor<1x8x80x64x128xf32>
        -> tensor<1x8x256x80x64xf32>
    ```

    Constraints:
    - (C1) `C` and `B` are `(b, nc, Q, G, N)`, `x` is `(b, nc, Q, H, P)`, all `f32`.
    - (C2) `G >= 1` divides `H`.
    - (C3) `cs` is `(b, H, nc, Q)` and `seg` is `(b, H, nc, Q, Q)`, both `f32`.
    - (C4) `prev_states` is `(b, nc, H, P, N)` of `f32`.
    - (C5) the result has the type of `x`.
  }];
  let arguments = (ins AnyRankedTensor:$C, AnyRankedTensor:$B, AnyRankedTensor:$x,
                       AnyRankedTensor:$dA_cumsum, AnyRankedTensor:$segsum,
                       AnyRankedTensor:$prev_states);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = [{
    $C `,` $B `,` $x `,` $dA_cumsum `,` $segsum `,` $prev_states attr-dict `:`
    type($C) `,` type($B) `,` type($x) `,` type($dA_cumsum) `,` type($segsum) `,`
    type($prev_states) `->` type($y)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ssm.causal_conv1d
//===----------------------------------------------------------------------===//

def SSM_CausalConv1dOp : SSM_Op<"causal_conv1d", [Pure, AttrSizedOperandSegments]> {
  let summary = "depthwise causal 1-D convolution with carried state";
  let description = [{
    With `xs = concat(state or zeros, x)` along the sequence (`K-1` columns of history first):

    ```
    y[b,c,t] = act(bias[c] + sum_{k=0}^{K-1} w[c,k] * xs[b,c,t+k])
    final_state = the last K-1 columns of xs
    ```

    `act` is the identity or `silu`. Computed in `f32`, rounded to `x`'s type. With L = 1 and a
    state this is the decode step (shift the state, take one dot product).

    ```mlir
    %y, %st = ssm.causal_conv1d %x, %w bias(%b) init(%s) activation = silu
        : (tensor<1x3072x512xbf16>, tensor<3072x4xf32>, tensor<3072xf32>, tensor<1x3072x3xbf16>)
        -> (tensor<1x3072x512xbf16>, tensor<1x3072x3xbf16>)
    ```

    Constraints:
    - (C1) `x` has rank 3 `(B, C, L)` and element type `f32`, `bf16` or `f16`.
    - (C2) `w` is `(C, K)` with `K >= 1`, of a float type.
    - (C3) `bias`, when present, is `(C)` of a float type.
    - (C4) `state`, when present, is `(B, C, K-1)` of `x`'s element type.
    - (C5) `y` has the type of `x`; `final_state` is `(B, C, K-1)` of `x`'s element type.
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$w,
                       Optional<AnyRankedTensor>:$bias, Optional<AnyRankedTensor>:$state,
                       DefaultValuedAttr<SSM_Activation, "Activation::none">:$activation);
  let results = (outs AnyRankedTensor:$y, AnyRankedTensor:$final_state);
  let assemblyFormat = [{
    $x `,` $w (`bias` `(` $bias^ `)`)? (`init` `(` $state^ `)`)? (`activation` `=` $activation^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ssm.gated_rms_norm
//===----------------------------------------------------------------------===//

def SSM_GatedRMSNormOp : SSM_Op<"gated_rms_norm", [Pure]> {
  let summary = "(grouped) RMS normalization with an optional SiLU gate";
  let description = [{
    Normalizes the last dimension `D` in groups of `group_size` (0 means one group of `D`),
    in `f32`, with `rms(v) = v / sqrt(mean(v^2 over the group) + eps)`:

    ```
    no z:                    y = rms(x) * w
    norm_before_gate = 0:    y = rms(x * silu(z)) * w          (Mamba-2's default)
    norm_before_gate = 1:    y = rms(x) * w * silu(z)
    ```

    ```mlir
    %y = ssm.gated_rms_norm %x, %w gate(%z) {eps = 1.0e-05 : f32, group_size = 1024 : i64}
        : (tensor<1x512x4096xbf16>, tensor<4096xf32>, tensor<1x512x4096xbf16>)
        -> tensor<1x512x4096xbf16>
    ```

    Constraints:
    - (C1) `x` has rank >= 1 and element type `f32`, `bf16` or `f16`.
    - (C2) `w` is `(D)` of a float type, `D` the last dimension of `x`.
    - (C3) `z`, when present, has the type of `x`.
    - (C4) `group_size >= 0`, and when positive it divides `D`.
    - (C5) `eps > 0`.
    - (C6) `y` has the type of `x`.
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$w, Optional<AnyRankedTensor>:$z,
                       DefaultValuedAttr<F32Attr, "1.0e-5f">:$eps,
                       DefaultValuedAttr<I64Attr, "0">:$group_size,
                       UnitAttr:$norm_before_gate);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = [{
    $x `,` $w (`gate` `(` $z^ `)`)? (`norm_before_gate` $norm_before_gate^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ssm.silu, ssm.softplus
//===----------------------------------------------------------------------===//

class SSM_ActivationOp<string mnemonic, string name, string math> :
    SSM_Op<mnemonic, [Pure]> {
  let summary = name # ", element by element";
  let description = [{
    ```
    }] # math # [{
    ```

    Computed in `f32` (in `f64` for `f64` tensors) and rounded to `x`'s type. The raising pass
    (`ssm-raise`) forms it from the plain-op pattern exported models contain, so that the ops
    that consume it (`causal_conv1d`, `gated_rms_norm`) can absorb it.

    ```mlir
    %y = ssm.}] # mnemonic # [{ %x : tensor<2x4096x512xbf16> -> tensor<2x4096x512xbf16>
    ```

    Constraints:
    - (C1) `x` is a ranked tensor of `f64`, `f32`, `bf16` or `f16`; `y` has its type.
  }];
  let arguments = (ins AnyRankedTensor:$x);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($y)";
  let hasVerifier = 1;
}

def SSM_SiLUOp : SSM_ActivationOp<"silu", "SiLU", "y = x * sigmoid(x) = x / (1 + exp(-x))">;

def SSM_SoftplusOp : SSM_ActivationOp<"softplus", "softplus",
    "y = log(1 + exp(x)), evaluated as max(x, 0) + log1p(exp(-|x|))">;

#endif // SSM_DIALECT_SSMOPS_TD
