// One token of a Mamba-1 layer's recurrent part at the Mamba-2.8B shape (D = 5120, N = 16,
// conv width 4), bf16 activations, f32 SSM state: the causal conv's state shift and dot
// product (+ SiLU), then one selective-scan step from the carried state (D skip, z gate,
// delta_bias, softplus). The projections around it are matmuls, not part of this step.
// Operand order = input_K.pb order (bench/gpu/decode_step.py).
func.func @main(%x: tensor<?x5120x1xbf16>, %conv_state: tensor<?x5120x3xbf16>,
                %w: tensor<5120x4xf32>, %conv_bias: tensor<5120xf32>,
                %delta: tensor<?x5120x1xbf16>, %A: tensor<5120x16xf32>,
                %B: tensor<?x1x16x1xbf16>, %C: tensor<?x1x16x1xbf16>, %D: tensor<5120xf32>,
                %z: tensor<?x5120x1xbf16>, %db: tensor<5120xf32>, %h: tensor<?x5120x16xf32>)
    -> (tensor<?x5120x1xbf16>, tensor<?x5120x3xbf16>, tensor<?x5120x16xf32>) {
  %xc, %state = ssm.causal_conv1d %x, %w bias(%conv_bias) init(%conv_state) activation = silu
      : (tensor<?x5120x1xbf16>, tensor<5120x4xf32>, tensor<5120xf32>, tensor<?x5120x3xbf16>)
      -> (tensor<?x5120x1xbf16>, tensor<?x5120x3xbf16>)
  %y, %hn = ssm.selective_scan %xc, %delta, %A, %B, %C D(%D) z(%z) delta_bias(%db) init(%h)
      delta_softplus
      : (tensor<?x5120x1xbf16>, tensor<?x5120x1xbf16>, tensor<5120x16xf32>,
         tensor<?x1x16x1xbf16>, tensor<?x1x16x1xbf16>, tensor<5120xf32>, tensor<?x5120x1xbf16>,
         tensor<5120xf32>, tensor<?x5120x16xf32>) -> (tensor<?x5120x1xbf16>, tensor<?x5120x16xf32>)
  return %y, %state, %hn : tensor<?x5120x1xbf16>, tensor<?x5120x3xbf16>, tensor<?x5120x16xf32>
}
