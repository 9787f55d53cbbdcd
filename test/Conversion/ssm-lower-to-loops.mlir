// RUN: ssm-opt %s -split-input-file -ssm-lower-to-loops -canonicalize -verify-diagnostics | FileCheck %s

// Static shapes: no run-time checks; one parallel loop over (batch, channel), the taps inside.
// CHECK-LABEL: func @conv_static
//   CHECK-NOT:   ssmrt.check
//       CHECK:   %[[Y:.*]] = memref.alloc() : memref<2x16x9xf32>
//       CHECK:   %[[S:.*]] = memref.alloc() : memref<2x16x3xf32>
//       CHECK:   scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c2, %c16)
//       CHECK:     scf.for
//       CHECK:       scf.for {{.*}} iter_args
//       CHECK:         math.fma
//       CHECK:       math.exp
//       CHECK:       memref.store {{.*}}, %[[Y]]
//       CHECK:   bufferization.to_tensor %[[Y]] restrict writable
//       CHECK:   bufferization.to_tensor %[[S]] restrict writable
func.func @conv_static(%env: !llvm.ptr, %x: tensor<2x16x9xf32>, %w: tensor<16x4xf32>)
    -> (tensor<2x16x9xf32>, tensor<2x16x3xf32>) {
  %y, %s = ssm.causal_conv1d %x, %w activation = silu
      : (tensor<2x16x9xf32>, tensor<16x4xf32>) -> (tensor<2x16x9xf32>, tensor<2x16x3xf32>)
  return %y, %s : tensor<2x16x9xf32>, tensor<2x16x3xf32>
}

// -----

// Dynamic shapes: the relations the verifier could not see are checked at run time, before
// the loops; the state of one row lives on the stack.
// CHECK-LABEL: func @selective_scan_dynamic
//  CHECK-SAME: (%[[ENV:.*]]: !llvm.ptr,
//       CHECK:   ssmrt.check %[[ENV]], {{.*}}, "ssm.selective_scan: dimension 2 of 'delta' must equal dimension 2 of 'u'"
//       CHECK:   ssmrt.check %[[ENV]], {{.*}}, "ssm.selective_scan: dimension 3 of 'B' must equal dimension 2 of 'u'"
//       CHECK:   ssmrt.check %[[ENV]], {{.*}}, "ssm.selective_scan: the groups G of 'B' must divide D of 'u'"
//       CHECK:   scf.parallel (%{{.*}}, %{{.*}}) =
//       CHECK:     memref.alloca(%{{.*}}) : memref<?xf32>
//       CHECK:       math.log1p
//       CHECK:       scf.for {{.*}} iter_args
//       CHECK:         math.exp
//       CHECK:         math.fma
func.func @selective_scan_dynamic(%env: !llvm.ptr, %u: tensor<?x?x?xbf16>, %A: tensor<?x?xf32>,
                                  %B: tensor<?x?x?x?xbf16>)
    -> (tensor<?x?x?xbf16>, tensor<?x?x?xf32>) {
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B delta_softplus
      : (tensor<?x?x?xbf16>, tensor<?x?x?xbf16>, tensor<?x?xf32>, tensor<?x?x?x?xbf16>,
         tensor<?x?x?x?xbf16>) -> (tensor<?x?x?xbf16>, tensor<?x?x?xf32>)
  return %y, %h : tensor<?x?x?xbf16>, tensor<?x?x?xf32>
}

// -----

// Attention: the cache is concatenated into the present buffers (four copy loops), then one
// query row per parallel iteration runs an online softmax over at most i + Lp + 1 keys.
// CHECK-LABEL: func @attention_decode
//       CHECK:   scf.parallel
//       CHECK:   scf.parallel
//       CHECK:   scf.parallel
//       CHECK:   scf.parallel
//       CHECK:   scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) =
//       CHECK:     arith.minui
//       CHECK:     scf.for {{.*}} iter_args
//       CHECK:       scf.if
//       CHECK:         arith.maximumf
//       CHECK:         math.exp
//       CHECK:     arith.divf
func.func @attention_decode(%env: !llvm.ptr, %q: tensor<?x8x?x16xf32>, %k: tensor<?x2x?x16xf32>,
                            %pk: tensor<?x2x?x16xf32>)
    -> tensor<?x8x?x16xf32> {
  %o, %nk, %nv = lm.attention %q, %k, %k past(%pk, %pk) causal
      : (tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>,
         tensor<?x2x?x16xf32>) -> (tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>)
  return %o : tensor<?x8x?x16xf32>
}

// -----

// Without the environment argument there is nowhere to report a failed check.
func.func @no_env(%x: tensor<2x4xf32>, %w: tensor<4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'lm.rms_norm' op was not lowered: its function needs the runtime environment as its first argument (run ssm-host-env first)}}
  %y = lm.rms_norm %x, %w : tensor<2x4xf32>, tensor<4xf32> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
