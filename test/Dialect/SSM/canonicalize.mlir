// RUN: ssm-opt %s -canonicalize -split-input-file | FileCheck %s

// A one-step scan without an initial state is its input.
// CHECK-LABEL: func @unit_scan
//  CHECK-SAME: (%[[A:.*]]: tensor<2x1x8xf32>, %[[B:.*]]: tensor<2x1x8xf32>)
//       CHECK:   %[[LAST:.*]] = tensor.collapse_shape %[[B]] {{\[\[}}0, 1], [2]] : tensor<2x1x8xf32> into tensor<2x8xf32>
//       CHECK:   return %[[B]], %[[LAST]]
func.func @unit_scan(%a: tensor<2x1x8xf32>, %b: tensor<2x1x8xf32>)
    -> (tensor<2x1x8xf32>, tensor<2x8xf32>) {
  %h, %last = ssm.scan %a, %b dim = 1
      : (tensor<2x1x8xf32>, tensor<2x1x8xf32>) -> (tensor<2x1x8xf32>, tensor<2x8xf32>)
  return %h, %last : tensor<2x1x8xf32>, tensor<2x8xf32>
}

// -----

// The unit dimension may come first, or be the only one.
// CHECK-LABEL: func @unit_scan_leading
//       CHECK:   tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<1x8xbf16> into tensor<8xbf16>
//       CHECK:   tensor.collapse_shape %{{.*}} [] : tensor<1xf32> into tensor<f32>
//   CHECK-NOT:   ssm.scan
func.func @unit_scan_leading(%a: tensor<1x8xbf16>, %v: tensor<1xf32>)
    -> (tensor<1x8xbf16>, tensor<8xbf16>, tensor<f32>) {
  %h, %last = ssm.scan %a, %a dim = 0 reverse
      : (tensor<1x8xbf16>, tensor<1x8xbf16>) -> (tensor<1x8xbf16>, tensor<8xbf16>)
  %h2, %last2 = ssm.scan %v, %v dim = 0 : (tensor<1xf32>, tensor<1xf32>) -> (tensor<1xf32>, tensor<f32>)
  return %h, %last, %last2 : tensor<1x8xbf16>, tensor<8xbf16>, tensor<f32>
}

// -----

// With an initial state, or more than one step, the scan stays.
// CHECK-LABEL: func @scan_kept
//       CHECK:   ssm.scan %{{.*}}, %{{.*}} init
//       CHECK:   ssm.scan %{{.*}}, %{{.*}} dim = 1
func.func @scan_kept(%a: tensor<2x1x8xf32>, %h0: tensor<2x8xf32>, %l: tensor<2x3x8xf32>)
    -> (tensor<2x1x8xf32>, tensor<2x3x8xf32>) {
  %h, %last = ssm.scan %a, %a init(%h0) dim = 1
      : (tensor<2x1x8xf32>, tensor<2x1x8xf32>, tensor<2x8xf32>) -> (tensor<2x1x8xf32>, tensor<2x8xf32>)
  %h2, %last2 = ssm.scan %l, %l dim = 1
      : (tensor<2x3x8xf32>, tensor<2x3x8xf32>) -> (tensor<2x3x8xf32>, tensor<2x8xf32>)
  return %h, %h2 : tensor<2x1x8xf32>, tensor<2x3x8xf32>
}

// -----

// The inclusive scan of one element is that element.
// CHECK-LABEL: func @unit_associative_scan
//  CHECK-SAME: (%[[X:.*]]: tensor<4x1xf32>, %[[Y:.*]]: tensor<4x2xf32>)
//       CHECK:   %[[S:.*]] = ssm.associative_scan %[[Y]]
//       CHECK:   return %[[X]], %[[S]]
func.func @unit_associative_scan(%x: tensor<4x1xf32>, %y: tensor<4x2xf32>)
    -> (tensor<4x1xf32>, tensor<4x2xf32>) {
  %s = ssm.associative_scan %x dim = 1 : tensor<4x1xf32> -> tensor<4x1xf32> {
  ^bb0(%a: f32, %b: f32):
    %c = arith.addf %a, %b : f32
    ssm.yield %c : f32
  }
  %t = ssm.associative_scan %y dim = 1 : tensor<4x2xf32> -> tensor<4x2xf32> {
  ^bb0(%a: f32, %b: f32):
    %c = arith.addf %a, %b : f32
    ssm.yield %c : f32
  }
  return %s, %t : tensor<4x1xf32>, tensor<4x2xf32>
}
