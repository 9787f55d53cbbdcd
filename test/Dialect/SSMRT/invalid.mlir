// RUN: ssm-opt %s -split-input-file -verify-diagnostics

func.func @alloc_sizes(%env: !llvm.ptr, %n: index) {
  // expected-error @+1 {{'ssmrt.alloc' op needs 2 dynamic sizes for 'memref<?x?xf32>', got 1}}
  %b = ssmrt.alloc %env(%n) : memref<?x?xf32>
  return
}

// -----

func.func @alloc_layout(%env: !llvm.ptr) {
  // expected-error @+1 {{'ssmrt.alloc' op allocates contiguous buffers only, got 'memref<4xf32, strided<[2]>>'}}
  %b = ssmrt.alloc %env() : memref<4xf32, strided<[2]>>
  return
}

// -----

func.func @dispatch_missing(%env: !llvm.ptr, %n: index) {
  // expected-error @+1 {{'ssmrt.dispatch' op kernel 'nowhere' is not a function}}
  ssmrt.dispatch %env @nowhere[%n]()
  return
}

// -----

func.func private @bad_kernel(%args: !llvm.ptr)

func.func @dispatch_type(%env: !llvm.ptr, %n: index) {
  // expected-error @+1 {{'ssmrt.dispatch' op kernel 'bad_kernel' must have type '(!llvm.ptr, index, index) -> ()', got '(!llvm.ptr) -> ()'}}
  ssmrt.dispatch %env @bad_kernel[%n]()
  return
}
