// A model for the runtime's unit tests: RMS norm over rows of 16.
func.func @main(%x: tensor<?x16xf32> {ssm.name = "x"}, %w: tensor<16xf32> {ssm.name = "w"})
    -> (tensor<?x16xf32> {ssm.name = "y"}) {
  %y = lm.rms_norm %x, %w {eps = 1.0e-06 : f32} : tensor<?x16xf32>, tensor<16xf32>
      -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
