// ssm.selective_scan at the Mamba-2.8B layer shape (D = 5120, N = 16) in the Mamba-1
// configuration (D skip, z gate, delta_bias, softplus), bf16 activations, f32 state. Batch and
// length are dynamic. Operand order = input_K.pb order: u, delta, A, B, C, D, z, delta_bias.
func.func @main(%u: tensor<?x5120x?xbf16>, %delta: tensor<?x5120x?xbf16>,
                %A: tensor<5120x16xf32>, %B: tensor<?x1x16x?xbf16>, %C: tensor<?x1x16x?xbf16>,
                %D: tensor<5120xf32>, %z: tensor<?x5120x?xbf16>, %db: tensor<5120xf32>)
    -> (tensor<?x5120x?xbf16>, tensor<?x5120x16xf32>) {
  %y, %h = ssm.selective_scan %u, %delta, %A, %B, %C D(%D) z(%z) delta_bias(%db) delta_softplus
      : (tensor<?x5120x?xbf16>, tensor<?x5120x?xbf16>, tensor<5120x16xf32>,
         tensor<?x1x16x?xbf16>, tensor<?x1x16x?xbf16>, tensor<5120xf32>, tensor<?x5120x?xbf16>,
         tensor<5120xf32>) -> (tensor<?x5120x?xbf16>, tensor<?x5120x16xf32>)
  return %y, %h : tensor<?x5120x?xbf16>, tensor<?x5120x16xf32>
}
