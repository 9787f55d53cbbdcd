// The gated RMS norm of a Mamba-2 layer at the Mamba2-2.7B shape (d_inner = 5120, one group),
// bf16 activations, gate first (rms(x * silu(z)) * w), over B x L rows. B and L are dynamic.
// Operand order = input_K.pb order (bench/gpu/conv_norm.py).
func.func @main(%x: tensor<?x?x5120xbf16>, %w: tensor<5120xf32>, %z: tensor<?x?x5120xbf16>)
    -> tensor<?x?x5120xbf16> {
  %y = ssm.gated_rms_norm %x, %w gate(%z) {eps = 1.0e-05 : f32, group_size = 0 : i64}
      : (tensor<?x?x5120xbf16>, tensor<5120xf32>, tensor<?x?x5120xbf16>) -> tensor<?x?x5120xbf16>
  return %y : tensor<?x?x5120xbf16>
}
