// The causal conv of a Mamba-1 layer at the Mamba-2.8B shape (D = 5120 channels, width 4),
// bf16 activations, bias and SiLU, no carried state (a prefill). B and L are dynamic.
// Operand order = input_K.pb order (bench/gpu/conv_norm.py).
func.func @main(%x: tensor<?x5120x?xbf16>, %w: tensor<5120x4xf32>, %bias: tensor<5120xf32>)
    -> tensor<?x5120x?xbf16> {
  %y, %state = ssm.causal_conv1d %x, %w bias(%bias) activation = silu
      : (tensor<?x5120x?xbf16>, tensor<5120x4xf32>, tensor<5120xf32>)
      -> (tensor<?x5120x?xbf16>, tensor<?x5120x3xbf16>)
  return %y : tensor<?x5120x?xbf16>
}
