// A model for the runtime's unit tests: the channels of x and w are both dynamic, so a
// mismatch is caught by a check in the compiled code.
func.func @main(%x: tensor<?x?x?xf32>, %w: tensor<?x4xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x3xf32>) {
  %y, %s = ssm.causal_conv1d %x, %w : (tensor<?x?x?xf32>, tensor<?x4xf32>)
      -> (tensor<?x?x?xf32>, tensor<?x?x3xf32>)
  return %y, %s : tensor<?x?x?xf32>, tensor<?x?x3xf32>
}
