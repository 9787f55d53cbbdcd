// The sequence-mixing core of a Mamba-1 layer (what sits between in_proj and out_proj): a
// depthwise causal convolution with SiLU, then the selective scan with its skip and gate.
// Batch and length are dynamic; scripts/demo.sh compiles it and runs it on the CPU.
func.func @main(%x: tensor<?x64x?xf32> {ssm.name = "x"},
                %z: tensor<?x64x?xf32> {ssm.name = "z"},
                %conv_w: tensor<64x4xf32> {ssm.name = "conv_weight"},
                %conv_b: tensor<64xf32> {ssm.name = "conv_bias"},
                %delta: tensor<?x64x?xf32> {ssm.name = "delta"},
                %A: tensor<64x16xf32> {ssm.name = "A"},
                %B: tensor<?x1x16x?xf32> {ssm.name = "B"},
                %C: tensor<?x1x16x?xf32> {ssm.name = "C"},
                %D: tensor<64xf32> {ssm.name = "D"},
                %dt_bias: tensor<64xf32> {ssm.name = "dt_bias"})
    -> (tensor<?x64x?xf32> {ssm.name = "y"}, tensor<?x64x16xf32> {ssm.name = "ssm_state"},
        tensor<?x64x3xf32> {ssm.name = "conv_state"}) {
  %u, %conv_state = ssm.causal_conv1d %x, %conv_w bias(%conv_b) activation = silu
      : (tensor<?x64x?xf32>, tensor<64x4xf32>, tensor<64xf32>)
      -> (tensor<?x64x?xf32>, tensor<?x64x3xf32>)
  %y, %state = ssm.selective_scan %u, %delta, %A, %B, %C D(%D) z(%z) delta_bias(%dt_bias)
      delta_softplus
      : (tensor<?x64x?xf32>, tensor<?x64x?xf32>, tensor<64x16xf32>, tensor<?x1x16x?xf32>,
         tensor<?x1x16x?xf32>, tensor<64xf32>, tensor<?x64x?xf32>, tensor<64xf32>)
      -> (tensor<?x64x?xf32>, tensor<?x64x16xf32>)
  return %y, %state, %conv_state : tensor<?x64x?xf32>, tensor<?x64x16xf32>, tensor<?x64x3xf32>
}
