// ssm.selective_scan in the Mamba-1 configuration (D skip, z gate, delta_bias, softplus),
// f32 activations, dynamic shapes. Operand order = input_K.pb order: u, delta, A, B, C, D, z,
// delta_bias. Used by bench/cpu/run_selective_scan.sh.
func.func @main(%u: tensor<?x?x?xf32>, %delta: tensor<?x?x?xf32>, %A: tensor<?x?xf32>,
                %B: tensor<?x?x?x?xf32>, %C: tensor<?x?x?x?xf32>, %D: tensor<?xf32>,
                %z: tensor<?x?x?xf32>, %db: tensor<?xf32>)
    -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>) {
  %y, %h = ssm.selective_scan %u, %delta, %A, %B, %C D(%D) z(%z) delta_bias(%db) delta_softplus
      : (tensor<?x?x?xf32>, tensor<?x?x?xf32>, tensor<?x?xf32>, tensor<?x?x?x?xf32>,
         tensor<?x?x?x?xf32>, tensor<?xf32>, tensor<?x?x?xf32>, tensor<?xf32>)
      -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>)
  return %y, %h : tensor<?x?x?xf32>, tensor<?x?x?xf32>
}
