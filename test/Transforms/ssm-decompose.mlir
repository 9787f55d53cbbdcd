// RUN: ssm-opt %s -split-input-file -ssm-decompose | FileCheck %s

// selective_scan: dt, A and B*u broadcast to (B, D, N, L), discretized the Mamba way,
// scanned along L with the initial state, contracted with C over N.
// CHECK-LABEL: func @selective_scan
//  CHECK-SAME: %[[H0:[a-z0-9]+]]: tensor<2x8x4xf32>
//       CHECK:   %[[ABAR:.*]], %[[BBAR:.*]] = ssm.discretize mamba {{.*}} : tensor<2x8x4x?xf32>, tensor<2x8x4x?xf32>, tensor<2x8x4x?xf32> -> tensor<2x8x4x?xf32>, tensor<2x8x4x?xf32>
//       CHECK:   %[[H:.*]], %[[LAST:.*]] = ssm.scan %[[ABAR]], %[[BBAR]] init(%[[H0]]) dim = 3
//       CHECK:   %[[Y:.*]] = linalg.generic
//       CHECK:     scf.for
//       CHECK:       tensor.extract %[[H]]
//       CHECK:     arith.truncf {{.*}} : f32 to bf16
//       CHECK:   return %[[Y]], %[[LAST]]
//   CHECK-NOT:   ssm.selective_scan
func.func @selective_scan(%u: tensor<2x8x?xbf16>, %A: tensor<8x4xf32>, %B: tensor<2x2x4x?xbf16>,
                          %h0: tensor<2x8x4xf32>) -> (tensor<2x8x?xbf16>, tensor<2x8x4xf32>) {
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B init(%h0) delta_softplus
      : (tensor<2x8x?xbf16>, tensor<2x8x?xbf16>, tensor<8x4xf32>, tensor<2x2x4x?xbf16>,
         tensor<2x2x4x?xbf16>, tensor<2x8x4xf32>) -> (tensor<2x8x?xbf16>, tensor<2x8x4xf32>)
  return %y, %h : tensor<2x8x?xbf16>, tensor<2x8x4xf32>
}

// -----

// ssd: the chunked algorithm with chunks of chunk_size steps.
// CHECK-LABEL: func @ssd
//       CHECK:   %[[Q:.*]] = arith.constant 16 : index
//       CHECK:   arith.ceildivui %{{.*}}, %[[Q]]
//       CHECK:   %[[DA:.*]] = linalg.generic
//       CHECK:   %[[XDT:.*]] = linalg.generic
//       CHECK:   %[[BC:.*]] = linalg.generic
//       CHECK:   %[[CC:.*]] = linalg.generic
//       CHECK:   %[[CS:.*]] = ssm.associative_scan %[[DA]] dim = 3
//       CHECK:     arith.addf
//       CHECK:   %[[SEG:.*]] = ssm.segsum %[[DA]] : tensor<1x4x?x16xf32> -> tensor<1x4x?x16x16xf32>
//       CHECK:   %[[ST:.*]] = ssm.chunk_state %[[BC]], %[[XDT]], %[[CS]]
//       CHECK:   %[[PREV:.*]], %[[FINAL:.*]] = ssm.state_passing %[[ST]], %{{.*}} :
//       CHECK:   ssm.chunk_scan %[[CC]], %[[BC]], %[[XDT]], %[[CS]], %[[SEG]], %[[PREV]]
//       CHECK:   return %{{.*}}, %[[FINAL]]
//   CHECK-NOT:   ssm.ssd
func.func @ssd(%x: tensor<1x?x4x8xf32>, %dt: tensor<1x?x4xf32>, %A: tensor<4xf32>,
               %B: tensor<1x?x1x16xf32>) -> (tensor<1x?x4x8xf32>, tensor<1x4x8x16xf32>) {
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B dt_softplus {chunk_size = 16 : i64}
      : (tensor<1x?x4x8xf32>, tensor<1x?x4xf32>, tensor<4xf32>, tensor<1x?x1x16xf32>,
         tensor<1x?x1x16xf32>) -> (tensor<1x?x4x8xf32>, tensor<1x4x8x16xf32>)
  return %y, %s : tensor<1x?x4x8xf32>, tensor<1x4x8x16xf32>
}
