// A tour of the ssm and lm dialects: one function per layer kind of a hybrid model, using every
// op. `scripts/demo.sh` runs ssm-opt over it; test/docs/examples.test keeps it valid.

// A Mamba-1 mixer: depthwise causal conv + SiLU, then the selective scan with its gate.
func.func @mamba1_mixer(%x: tensor<1x64x32xbf16>, %conv_w: tensor<64x4xf32>,
                        %conv_b: tensor<64xf32>, %delta: tensor<1x64x32xbf16>,
                        %A: tensor<64x16xf32>, %B: tensor<1x1x16x32xbf16>,
                        %C: tensor<1x1x16x32xbf16>, %D: tensor<64xf32>,
                        %z: tensor<1x64x32xbf16>, %dt_bias: tensor<64xf32>)
    -> (tensor<1x64x32xbf16>, tensor<1x64x16xf32>, tensor<1x64x3xbf16>) {
  %u, %conv_state = ssm.causal_conv1d %x, %conv_w bias(%conv_b) activation = silu
      : (tensor<1x64x32xbf16>, tensor<64x4xf32>, tensor<64xf32>)
      -> (tensor<1x64x32xbf16>, tensor<1x64x3xbf16>)
  %y, %state = ssm.selective_scan %u, %delta, %A, %B, %C D(%D) z(%z) delta_bias(%dt_bias)
      delta_softplus
      : (tensor<1x64x32xbf16>, tensor<1x64x32xbf16>, tensor<64x16xf32>, tensor<1x1x16x32xbf16>,
         tensor<1x1x16x32xbf16>, tensor<64xf32>, tensor<1x64x32xbf16>, tensor<64xf32>)
      -> (tensor<1x64x32xbf16>, tensor<1x64x16xf32>)
  return %y, %state, %conv_state : tensor<1x64x32xbf16>, tensor<1x64x16xf32>, tensor<1x64x3xbf16>
}

// A Mamba-2 mixer: SSD over 8 heads, then the gated (grouped) RMS norm.
func.func @mamba2_mixer(%x: tensor<1x40x8x16xf32>, %dt: tensor<1x40x8xf32>, %A: tensor<8xf32>,
                        %B: tensor<1x40x1x32xf32>, %C: tensor<1x40x1x32xf32>,
                        %D: tensor<8xf32>, %dt_bias: tensor<8xf32>,
                        %z: tensor<1x40x128xf32>, %norm_w: tensor<128xf32>)
    -> (tensor<1x40x128xf32>, tensor<1x8x16x32xf32>) {
  %y, %state = ssm.ssd %x, %dt, %A, %B, %C D(%D) dt_bias(%dt_bias) dt_softplus
      {chunk_size = 16 : i64}
      : (tensor<1x40x8x16xf32>, tensor<1x40x8xf32>, tensor<8xf32>, tensor<1x40x1x32xf32>,
         tensor<1x40x1x32xf32>, tensor<8xf32>, tensor<8xf32>)
      -> (tensor<1x40x8x16xf32>, tensor<1x8x16x32xf32>)
  %flat = tensor.collapse_shape %y [[0], [1], [2, 3]]
      : tensor<1x40x8x16xf32> into tensor<1x40x128xf32>
  %out = ssm.gated_rms_norm %flat, %norm_w gate(%z) {group_size = 64 : i64}
      : (tensor<1x40x128xf32>, tensor<128xf32>, tensor<1x40x128xf32>) -> tensor<1x40x128xf32>
  return %out, %state : tensor<1x40x128xf32>, tensor<1x8x16x32xf32>
}

// The chunked SSD written out step by step (what ssm.ssd decomposes into), chunk length 16.
func.func @ssd_chunked(%dA: tensor<1x8x3x16xf32>, %xdt: tensor<1x3x16x8x16xf32>,
                       %B: tensor<1x3x16x1x32xf32>, %C: tensor<1x3x16x1x32xf32>)
    -> (tensor<1x3x16x8x16xf32>, tensor<1x8x16x32xf32>) {
  %cs = ssm.associative_scan %dA dim = 3 : tensor<1x8x3x16xf32> -> tensor<1x8x3x16xf32> {
  ^bb0(%acc: f32, %next: f32):
    %sum = arith.addf %acc, %next : f32
    ssm.yield %sum : f32
  }
  %seg = ssm.segsum %dA : tensor<1x8x3x16xf32> -> tensor<1x8x3x16x16xf32>
  %states = ssm.chunk_state %B, %xdt, %cs
      : tensor<1x3x16x1x32xf32>, tensor<1x3x16x8x16xf32>, tensor<1x8x3x16xf32>
      -> tensor<1x3x8x16x32xf32>
  %total = tensor.extract_slice %cs[0, 0, 0, 15] [1, 8, 3, 1] [1, 1, 1, 1]
      : tensor<1x8x3x16xf32> to tensor<1x8x3xf32>
  %prev, %final = ssm.state_passing %states, %total
      : (tensor<1x3x8x16x32xf32>, tensor<1x8x3xf32>)
      -> (tensor<1x3x8x16x32xf32>, tensor<1x8x16x32xf32>)
  %y = ssm.chunk_scan %C, %B, %xdt, %cs, %seg, %prev
      : tensor<1x3x16x1x32xf32>, tensor<1x3x16x1x32xf32>, tensor<1x3x16x8x16xf32>,
        tensor<1x8x3x16xf32>, tensor<1x8x3x16x16xf32>, tensor<1x3x8x16x32xf32>
      -> tensor<1x3x16x8x16xf32>
  return %y, %final : tensor<1x3x16x8x16xf32>, tensor<1x8x16x32xf32>
}

// An S4-style layer: zero-order-hold discretization and a plain linear scan.
func.func @s4_layer(%dt: tensor<4x32x64xf32>, %A: tensor<4x32x64xf32>, %Bu: tensor<4x32x64xf32>)
    -> (tensor<4x32x64xf32>, tensor<4x32xf32>) {
  %abar, %bbar = ssm.discretize zoh %dt, %A, %Bu
      : tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>
      -> tensor<4x32x64xf32>, tensor<4x32x64xf32>
  %h, %last = ssm.scan %abar, %bbar dim = 2
      : (tensor<4x32x64xf32>, tensor<4x32x64xf32>) -> (tensor<4x32x64xf32>, tensor<4x32xf32>)
  return %h, %last : tensor<4x32x64xf32>, tensor<4x32xf32>
}

// An attention layer of a hybrid (GQA 8/2, rotary, a KV cache of 16 steps), pre-norm.
func.func @attention_layer(%x: tensor<1x8x1x64xf32>, %norm_w: tensor<64xf32>,
                           %k: tensor<1x2x1x64xf32>, %v: tensor<1x2x1x64xf32>,
                           %cos: tensor<1x1x32xf32>, %sin: tensor<1x1x32xf32>,
                           %past_k: tensor<1x2x16x64xf32>, %past_v: tensor<1x2x16x64xf32>)
    -> (tensor<1x8x1x64xf32>, tensor<1x2x17x64xf32>, tensor<1x2x17x64xf32>) {
  %xn = lm.rms_norm %x, %norm_w {eps = 1.0e-6 : f32}
      : tensor<1x8x1x64xf32>, tensor<64xf32> -> tensor<1x8x1x64xf32>
  %q = lm.rotary %xn, %cos, %sin
      : tensor<1x8x1x64xf32>, tensor<1x1x32xf32>, tensor<1x1x32xf32> -> tensor<1x8x1x64xf32>
  %kr = lm.rotary %k, %cos, %sin
      : tensor<1x2x1x64xf32>, tensor<1x1x32xf32>, tensor<1x1x32xf32> -> tensor<1x2x1x64xf32>
  %out, %pk, %pv = lm.attention %q, %kr, %v past(%past_k, %past_v) causal
      : (tensor<1x8x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>,
         tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>)
      -> (tensor<1x8x1x64xf32>, tensor<1x2x17x64xf32>, tensor<1x2x17x64xf32>)
  return %out, %pk, %pv : tensor<1x8x1x64xf32>, tensor<1x2x17x64xf32>, tensor<1x2x17x64xf32>
}
