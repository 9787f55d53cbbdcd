// A model for the runtime's unit tests: returns its input, so the output aliases it.
func.func @main(%x: tensor<?xbf16>) -> tensor<?xbf16> {
  return %x : tensor<?xbf16>
}
