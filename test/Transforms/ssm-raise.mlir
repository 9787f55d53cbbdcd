// RUN: ssm-opt %s --ssm-raise --split-input-file | FileCheck %s

// The patterns on the importer's one-generic-per-ONNX-node form. Each positive case is followed
// by near misses that must stay as they are.

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// CHECK-LABEL: func @silu
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x5xf32>)
// CHECK-NEXT: %[[Y:.*]] = ssm.silu %[[X]] : tensor<2x8x5xf32> -> tensor<2x8x5xf32>
// CHECK-NEXT: return %[[Y]]
func.func @silu(%x: tensor<2x8x5xf32>) -> tensor<2x8x5xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<2x8x5xf32>
  %s = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x8x5xf32>) outs(%e : tensor<2x8x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %x1 = math.exp %n : f32
    %d = arith.addf %x1, %one : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<2x8x5xf32>
  %y = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %x : tensor<2x8x5xf32>, tensor<2x8x5xf32>) outs(%e : tensor<2x8x5xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<2x8x5xf32>
  return %y : tensor<2x8x5xf32>
}

// A sigmoid of x times another tensor is no SiLU.
// CHECK-LABEL: func @not_silu
// CHECK-NOT: ssm.silu
// CHECK: return
func.func @not_silu(%x: tensor<2x8x5xf32>, %z: tensor<2x8x5xf32>) -> tensor<2x8x5xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<2x8x5xf32>
  %s = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x8x5xf32>) outs(%e : tensor<2x8x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %x1 = math.exp %n : f32
    %d = arith.addf %x1, %one : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<2x8x5xf32>
  %y = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %z : tensor<2x8x5xf32>, tensor<2x8x5xf32>) outs(%e : tensor<2x8x5xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<2x8x5xf32>
  return %y : tensor<2x8x5xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#scalar = affine_map<(d0, d1, d2) -> ()>

// torch's softplus with its threshold: Where(x > 20, x, Softplus(x)).
// CHECK-LABEL: func @softplus_thresholded
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x8xf32>)
// CHECK-NEXT: %[[Y:.*]] = ssm.softplus %[[X]] : tensor<2x5x8xf32> -> tensor<2x5x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @softplus_thresholded(%x: tensor<2x5x8xf32>) -> tensor<2x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %t = arith.constant dense<2.0e+01> : tensor<f32>
  %e = tensor.empty() : tensor<2x5x8xf32>
  %sp = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x5x8xf32>) outs(%e : tensor<2x5x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = math.absf %in : f32
    %n = arith.negf %a : f32
    %x1 = math.exp %n : f32
    %l = math.log1p %x1 : f32
    %m = arith.maximumf %in, %zero : f32
    %r = arith.addf %m, %l : f32
    linalg.yield %r : f32
  } -> tensor<2x5x8xf32>
  %eb = tensor.empty() : tensor<2x5x8xi1>
  %c = linalg.generic {indexing_maps = [#id3, #scalar, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %t : tensor<2x5x8xf32>, tensor<f32>) outs(%eb : tensor<2x5x8xi1>) {
  ^bb0(%in: f32, %th: f32, %out: i1):
    %g = arith.cmpf ogt, %in, %th : f32
    linalg.yield %g : i1
  } -> tensor<2x5x8xi1>
  %y = linalg.generic {indexing_maps = [#id3, #id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c, %x, %sp : tensor<2x5x8xi1>, tensor<2x5x8xf32>, tensor<2x5x8xf32>) outs(%e : tensor<2x5x8xf32>) {
  ^bb0(%cc: i1, %a: f32, %b: f32, %out: f32):
    %s = arith.select %cc, %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x5x8xf32>
  return %y : tensor<2x5x8xf32>
}

// A threshold of 2 changes the values: only the inner Softplus is raised.
// CHECK-LABEL: func @softplus_low_threshold
// CHECK: %[[SP:.*]] = ssm.softplus
// CHECK: linalg.generic
// CHECK: arith.cmpf ogt
// CHECK: linalg.generic
// CHECK-SAME: %[[SP]]
// CHECK: arith.select
func.func @softplus_low_threshold(%x: tensor<2x5x8xf32>) -> tensor<2x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %t = arith.constant dense<2.0> : tensor<f32>
  %e = tensor.empty() : tensor<2x5x8xf32>
  %sp = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x5x8xf32>) outs(%e : tensor<2x5x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = math.absf %in : f32
    %n = arith.negf %a : f32
    %x1 = math.exp %n : f32
    %l = math.log1p %x1 : f32
    %m = arith.maximumf %in, %zero : f32
    %r = arith.addf %m, %l : f32
    linalg.yield %r : f32
  } -> tensor<2x5x8xf32>
  %eb = tensor.empty() : tensor<2x5x8xi1>
  %c = linalg.generic {indexing_maps = [#id3, #scalar, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %t : tensor<2x5x8xf32>, tensor<f32>) outs(%eb : tensor<2x5x8xi1>) {
  ^bb0(%in: f32, %th: f32, %out: i1):
    %g = arith.cmpf ogt, %in, %th : f32
    linalg.yield %g : i1
  } -> tensor<2x5x8xi1>
  %y = linalg.generic {indexing_maps = [#id3, #id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c, %x, %sp : tensor<2x5x8xi1>, tensor<2x5x8xf32>, tensor<2x5x8xf32>) outs(%e : tensor<2x5x8xf32>) {
  ^bb0(%cc: i1, %a: f32, %b: f32, %out: f32):
    %s = arith.select %cc, %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x5x8xf32>
  return %y : tensor<2x5x8xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#chan = affine_map<(d0, d1, d2) -> (d1)>

// Mamba's conv1d(groups=C, padding=K-1)[..., :L] + bias, then SiLU.
// CHECK-LABEL: func @causal_conv
// CHECK-SAME: (%[[X:.*]]: tensor<2x96x5xf32>, %[[W:.*]]: tensor<96x4xf32>, %[[B:.*]]: tensor<96xf32>)
// CHECK: %[[Y:.*]], %{{.*}} = ssm.causal_conv1d %[[X]], %[[W]] bias(%[[B]]) activation = silu
// CHECK-SAME: -> (tensor<2x96x5xf32>, tensor<2x96x3xf32>)
// CHECK-NEXT: return %[[Y]]
func.func @causal_conv(%x: tensor<2x96x5xf32>, %w: tensor<96x4xf32>, %b: tensor<96xf32>) -> tensor<2x96x5xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 3] high[0, 0, 3] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %zero : f32
  } : tensor<2x96x5xf32> to tensor<2x96x11xf32>
  %e = tensor.empty() : tensor<2x96x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x96x8xf32>) -> tensor<2x96x8xf32>
  %c = linalg.depthwise_conv_1d_ncw_cw {dilations = dense<1> : vector<1xi64>, strides = dense<1> : vector<1xi64>}
      ins(%p, %w : tensor<2x96x11xf32>, tensor<96x4xf32>) outs(%f : tensor<2x96x8xf32>) -> tensor<2x96x8xf32>
  %biased = linalg.generic {indexing_maps = [#id3, #chan, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c, %b : tensor<2x96x8xf32>, tensor<96xf32>) outs(%e : tensor<2x96x8xf32>) {
  ^bb0(%a: f32, %bb: f32, %out: f32):
    %s = arith.addf %a, %bb : f32
    linalg.yield %s : f32
  } -> tensor<2x96x8xf32>
  %s = tensor.extract_slice %biased[0, 0, 0] [2, 96, 5] [1, 1, 1] : tensor<2x96x8xf32> to tensor<2x96x5xf32>
  %y = ssm.silu %s : tensor<2x96x5xf32> -> tensor<2x96x5xf32>
  return %y : tensor<2x96x5xf32>
}

// Padded symmetrically and kept whole, the convolution sees the future: not causal.
// CHECK-LABEL: func @centered_conv
// CHECK-NOT: ssm.causal_conv1d
// CHECK: linalg.depthwise_conv_1d_ncw_cw
func.func @centered_conv(%x: tensor<2x96x5xf32>, %w: tensor<96x3xf32>) -> tensor<2x96x5xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1] high[0, 0, 1] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %zero : f32
  } : tensor<2x96x5xf32> to tensor<2x96x7xf32>
  %e = tensor.empty() : tensor<2x96x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x96x5xf32>) -> tensor<2x96x5xf32>
  %c = linalg.depthwise_conv_1d_ncw_cw {dilations = dense<1> : vector<1xi64>, strides = dense<1> : vector<1xi64>}
      ins(%p, %w : tensor<2x96x7xf32>, tensor<96x3xf32>) outs(%f : tensor<2x96x5xf32>) -> tensor<2x96x5xf32>
  return %c : tensor<2x96x5xf32>
}

// Sliced from offset 1, it is a different window.
// CHECK-LABEL: func @shifted_slice
// CHECK-NOT: ssm.causal_conv1d
// CHECK: tensor.extract_slice
func.func @shifted_slice(%x: tensor<2x96x5xf32>, %w: tensor<96x4xf32>) -> tensor<2x96x5xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 3] high[0, 0, 3] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %zero : f32
  } : tensor<2x96x5xf32> to tensor<2x96x11xf32>
  %e = tensor.empty() : tensor<2x96x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x96x8xf32>) -> tensor<2x96x8xf32>
  %c = linalg.depthwise_conv_1d_ncw_cw {dilations = dense<1> : vector<1xi64>, strides = dense<1> : vector<1xi64>}
      ins(%p, %w : tensor<2x96x11xf32>, tensor<96x4xf32>) outs(%f : tensor<2x96x8xf32>) -> tensor<2x96x8xf32>
  %s = tensor.extract_slice %c[0, 0, 1] [2, 96, 5] [1, 1, 1] : tensor<2x96x8xf32> to tensor<2x96x5xf32>
  return %s : tensor<2x96x5xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#scalar = affine_map<(d0, d1, d2) -> ()>
#rows = affine_map<(d0, d1, d2) -> (d0, d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#keep = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#last = affine_map<(d0, d1, d2) -> (d2)>

// HF's RMSNorm at opset < 23: w * (x * 1 / sqrt(mean(x^2) + eps)).
// CHECK-LABEL: func @rms_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x32xf32>, %[[W:.*]]: tensor<32xf32>)
// CHECK-NEXT: %[[Y:.*]] = lm.rms_norm %[[X]], %[[W]] {eps = 9.99999997E-7 : f32}
// CHECK-NEXT: return %[[Y]]
func.func @rms_norm(%x: tensor<2x5x32xf32>, %w: tensor<32xf32>) -> tensor<2x5x32xf32> {
  %p = arith.constant 2.0 : f32
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %n = arith.constant 32.0 : f32
  %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
  %shape = arith.constant dense<[2, 5, 1]> : tensor<3xi64>
  %e = tensor.empty() : tensor<2x5x32xf32>
  %sq = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x5x32xf32>) outs(%e : tensor<2x5x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.powf %in, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x5x32xf32>
  %e2 = tensor.empty() : tensor<2x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x5xf32>) -> tensor<2x5xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #rows], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%sq : tensor<2x5x32xf32>) outs(%f : tensor<2x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %out, %in : f32
    linalg.yield %r : f32
  } -> tensor<2x5xf32>
  %mean = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%sum : tensor<2x5xf32>) outs(%e2 : tensor<2x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.divf %in, %n : f32
    linalg.yield %r : f32
  } -> tensor<2x5xf32>
  %kept = tensor.reshape %mean(%shape) : (tensor<2x5xf32>, tensor<3xi64>) -> tensor<2x5x1xf32>
  %e3 = tensor.empty() : tensor<2x5x1xf32>
  %shifted = linalg.generic {indexing_maps = [#id3, #scalar, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%kept, %eps : tensor<2x5x1xf32>, tensor<f32>) outs(%e3 : tensor<2x5x1xf32>) {
  ^bb0(%in: f32, %ep: f32, %out: f32):
    %r = arith.addf %in, %ep : f32
    linalg.yield %r : f32
  } -> tensor<2x5x1xf32>
  %root = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%shifted : tensor<2x5x1xf32>) outs(%e3 : tensor<2x5x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.sqrt %in : f32
    linalg.yield %r : f32
  } -> tensor<2x5x1xf32>
  %inv = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%root : tensor<2x5x1xf32>) outs(%e3 : tensor<2x5x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.divf %one, %in : f32
    linalg.yield %r : f32
  } -> tensor<2x5x1xf32>
  %normed = linalg.generic {indexing_maps = [#id3, #keep, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %inv : tensor<2x5x32xf32>, tensor<2x5x1xf32>) outs(%e : tensor<2x5x32xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x5x32xf32>
  %y = linalg.generic {indexing_maps = [#last, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%w, %normed : tensor<32xf32>, tensor<2x5x32xf32>) outs(%e : tensor<2x5x32xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x5x32xf32>
  return %y : tensor<2x5x32xf32>
}


// The same with x^3: no norm.
// CHECK-LABEL: func @cube_norm
// CHECK-NOT: lm.rms_norm
// CHECK: math.powf
func.func @cube_norm(%x: tensor<2x5x32xf32>, %w: tensor<32xf32>) -> tensor<2x5x32xf32> {
  %p = arith.constant 3.0 : f32
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %n = arith.constant 32.0 : f32
  %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
  %shape = arith.constant dense<[2, 5, 1]> : tensor<3xi64>
  %e = tensor.empty() : tensor<2x5x32xf32>
  %sq = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x5x32xf32>) outs(%e : tensor<2x5x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.powf %in, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x5x32xf32>
  %e2 = tensor.empty() : tensor<2x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x5xf32>) -> tensor<2x5xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #rows], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%sq : tensor<2x5x32xf32>) outs(%f : tensor<2x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %out, %in : f32
    linalg.yield %r : f32
  } -> tensor<2x5xf32>
  %mean = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%sum : tensor<2x5xf32>) outs(%e2 : tensor<2x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.divf %in, %n : f32
    linalg.yield %r : f32
  } -> tensor<2x5xf32>
  %kept = tensor.reshape %mean(%shape) : (tensor<2x5xf32>, tensor<3xi64>) -> tensor<2x5x1xf32>
  %e3 = tensor.empty() : tensor<2x5x1xf32>
  %shifted = linalg.generic {indexing_maps = [#id3, #scalar, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%kept, %eps : tensor<2x5x1xf32>, tensor<f32>) outs(%e3 : tensor<2x5x1xf32>) {
  ^bb0(%in: f32, %ep: f32, %out: f32):
    %r = arith.addf %in, %ep : f32
    linalg.yield %r : f32
  } -> tensor<2x5x1xf32>
  %root = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%shifted : tensor<2x5x1xf32>) outs(%e3 : tensor<2x5x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.sqrt %in : f32
    linalg.yield %r : f32
  } -> tensor<2x5x1xf32>
  %inv = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%root : tensor<2x5x1xf32>) outs(%e3 : tensor<2x5x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.divf %one, %in : f32
    linalg.yield %r : f32
  } -> tensor<2x5x1xf32>
  %normed = linalg.generic {indexing_maps = [#id3, #keep, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %inv : tensor<2x5x32xf32>, tensor<2x5x1xf32>) outs(%e : tensor<2x5x32xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x5x32xf32>
  %y = linalg.generic {indexing_maps = [#last, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%w, %normed : tensor<32xf32>, tensor<2x5x32xf32>) outs(%e : tensor<2x5x32xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x5x32xf32>
  return %y : tensor<2x5x32xf32>
}


// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// ONNX's RMSNormalization of y * silu(z): the gated norm.
// CHECK-LABEL: func @gated
// CHECK-SAME: (%[[Y:.*]]: tensor<2x5x64xf32>, %[[Z:.*]]: tensor<2x5x64xf32>, %[[W:.*]]: tensor<64xf32>)
// CHECK-NEXT: %[[N:.*]] = ssm.gated_rms_norm %[[Y]], %[[W]] gate(%[[Z]]) {eps = 9.99999997E-7 : f32}
// CHECK-NEXT: return %[[N]]
func.func @gated(%y: tensor<2x5x64xf32>, %z: tensor<2x5x64xf32>, %w: tensor<64xf32>) -> tensor<2x5x64xf32> {
  %e = tensor.empty() : tensor<2x5x64xf32>
  %s = ssm.silu %z : tensor<2x5x64xf32> -> tensor<2x5x64xf32>
  %g = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%y, %s : tensor<2x5x64xf32>, tensor<2x5x64xf32>) outs(%e : tensor<2x5x64xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x5x64xf32>
  %n = lm.rms_norm %g, %w {eps = 9.99999997E-7 : f32} : tensor<2x5x64xf32>, tensor<64xf32> -> tensor<2x5x64xf32>
  return %n : tensor<2x5x64xf32>
}

// Gated by a plain sigmoid, it stays an lm.rms_norm.
// CHECK-LABEL: func @sigmoid_gated
// CHECK-NOT: ssm.gated_rms_norm
// CHECK: lm.rms_norm
func.func @sigmoid_gated(%y: tensor<2x5x64xf32>, %z: tensor<2x5x64xf32>, %w: tensor<64xf32>) -> tensor<2x5x64xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<2x5x64xf32>
  %s = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%z : tensor<2x5x64xf32>) outs(%e : tensor<2x5x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %x1 = math.exp %n : f32
    %d = arith.addf %x1, %one : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<2x5x64xf32>
  %g = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%y, %s : tensor<2x5x64xf32>, tensor<2x5x64xf32>) outs(%e : tensor<2x5x64xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x5x64xf32>
  %n = lm.rms_norm %g, %w {eps = 9.99999997E-7 : f32} : tensor<2x5x64xf32>, tensor<64xf32> -> tensor<2x5x64xf32>
  return %n : tensor<2x5x64xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#table = affine_map<(d0, d1, d2, d3) -> (0, 0, d2, d3)>

// Llama's rotate-half RoPE with constant tables cat(freqs, freqs): lm.rotary on half tables.
// CHECK-LABEL: func @rotary
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x2x4xf32>)
// CHECK-DAG: %[[COS:.*]] = arith.constant dense<{{\[\[\[}}1.000000e+00, 5.000000e-01], [2.500000e-01, 1.250000e-01]]]> : tensor<1x2x2xf32>
// CHECK-DAG: %[[SIN:.*]] = arith.constant dense<{{\[\[\[}}0.000000e+00, 7.500000e-01], [3.750000e-01, 6.250000e-01]]]> : tensor<1x2x2xf32>
// CHECK: %[[Y:.*]] = lm.rotary %[[X]], %[[COS]], %[[SIN]] : tensor<2x3x2x4xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32> -> tensor<2x3x2x4xf32>
// CHECK-NEXT: return %[[Y]]
func.func @rotary(%x: tensor<2x3x2x4xf32>) -> tensor<2x3x2x4xf32> {
  %cos = arith.constant dense<[[[[1.0, 0.5, 1.0, 0.5], [0.25, 0.125, 0.25, 0.125]]]]> : tensor<1x1x2x4xf32>
  %sin = arith.constant dense<[[[[0.0, 0.75, 0.0, 0.75], [0.375, 0.625, 0.375, 0.625]]]]> : tensor<1x1x2x4xf32>
  %e = tensor.empty() : tensor<2x3x2x4xf32>
  %a = linalg.generic {indexing_maps = [#id4, #table, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %cos : tensor<2x3x2x4xf32>, tensor<1x1x2x4xf32>) outs(%e : tensor<2x3x2x4xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %m = arith.mulf %p, %q : f32
    linalg.yield %m : f32
  } -> tensor<2x3x2x4xf32>
  %x1 = tensor.extract_slice %x[0, 0, 0, 0] [2, 3, 2, 2] [1, 1, 1, 1] : tensor<2x3x2x4xf32> to tensor<2x3x2x2xf32>
  %x2 = tensor.extract_slice %x[0, 0, 0, 2] [2, 3, 2, 2] [1, 1, 1, 1] : tensor<2x3x2x4xf32> to tensor<2x3x2x2xf32>
  %eh = tensor.empty() : tensor<2x3x2x2xf32>
  %n = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x2 : tensor<2x3x2x2xf32>) outs(%eh : tensor<2x3x2x2xf32>) {
  ^bb0(%p: f32, %out: f32):
    %m = arith.negf %p : f32
    linalg.yield %m : f32
  } -> tensor<2x3x2x2xf32>
  %c0 = tensor.insert_slice %n into %e[0, 0, 0, 0] [2, 3, 2, 2] [1, 1, 1, 1] : tensor<2x3x2x2xf32> into tensor<2x3x2x4xf32>
  %rot = tensor.insert_slice %x1 into %c0[0, 0, 0, 2] [2, 3, 2, 2] [1, 1, 1, 1] : tensor<2x3x2x2xf32> into tensor<2x3x2x4xf32>
  %b = linalg.generic {indexing_maps = [#id4, #table, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%rot, %sin : tensor<2x3x2x4xf32>, tensor<1x1x2x4xf32>) outs(%e : tensor<2x3x2x4xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %m = arith.mulf %p, %q : f32
    linalg.yield %m : f32
  } -> tensor<2x3x2x4xf32>
  %y = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %b : tensor<2x3x2x4xf32>, tensor<2x3x2x4xf32>) outs(%e : tensor<2x3x2x4xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %m = arith.addf %p, %q : f32
    linalg.yield %m : f32
  } -> tensor<2x3x2x4xf32>
  return %y : tensor<2x3x2x4xf32>
}

// A cos table whose halves differ is no rotation of channel pairs: left as it is.
// CHECK-LABEL: func @unequal_halves
// CHECK-NOT: lm.rotary
// CHECK: return
func.func @unequal_halves(%x: tensor<2x3x2x4xf32>) -> tensor<2x3x2x4xf32> {
  %cos = arith.constant dense<[[[[1.0, 0.5, 1.0, 0.5], [0.25, 0.125, 0.25, 0.5]]]]> : tensor<1x1x2x4xf32>
  %sin = arith.constant dense<[[[[0.0, 0.75, 0.0, 0.75], [0.375, 0.625, 0.375, 0.625]]]]> : tensor<1x1x2x4xf32>
  %e = tensor.empty() : tensor<2x3x2x4xf32>
  %a = linalg.generic {indexing_maps = [#id4, #table, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %cos : tensor<2x3x2x4xf32>, tensor<1x1x2x4xf32>) outs(%e : tensor<2x3x2x4xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %m = arith.mulf %p, %q : f32
    linalg.yield %m : f32
  } -> tensor<2x3x2x4xf32>
  %x1 = tensor.extract_slice %x[0, 0, 0, 0] [2, 3, 2, 2] [1, 1, 1, 1] : tensor<2x3x2x4xf32> to tensor<2x3x2x2xf32>
  %x2 = tensor.extract_slice %x[0, 0, 0, 2] [2, 3, 2, 2] [1, 1, 1, 1] : tensor<2x3x2x4xf32> to tensor<2x3x2x2xf32>
  %eh = tensor.empty() : tensor<2x3x2x2xf32>
  %n = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x2 : tensor<2x3x2x2xf32>) outs(%eh : tensor<2x3x2x2xf32>) {
  ^bb0(%p: f32, %out: f32):
    %m = arith.negf %p : f32
    linalg.yield %m : f32
  } -> tensor<2x3x2x2xf32>
  %c0 = tensor.insert_slice %n into %e[0, 0, 0, 0] [2, 3, 2, 2] [1, 1, 1, 1] : tensor<2x3x2x2xf32> into tensor<2x3x2x4xf32>
  %rot = tensor.insert_slice %x1 into %c0[0, 0, 0, 2] [2, 3, 2, 2] [1, 1, 1, 1] : tensor<2x3x2x2xf32> into tensor<2x3x2x4xf32>
  %b = linalg.generic {indexing_maps = [#id4, #table, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%rot, %sin : tensor<2x3x2x4xf32>, tensor<1x1x2x4xf32>) outs(%e : tensor<2x3x2x4xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %m = arith.mulf %p, %q : f32
    linalg.yield %m : f32
  } -> tensor<2x3x2x4xf32>
  %y = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %b : tensor<2x3x2x4xf32>, tensor<2x3x2x4xf32>) outs(%e : tensor<2x3x2x4xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %m = arith.addf %p, %q : f32
    linalg.yield %m : f32
  } -> tensor<2x3x2x4xf32>
  return %y : tensor<2x3x2x4xf32>
}

// -----

// Dynamic batch and length: Slice's clamps around the sizes fold from the facts that sizes are
// >= 0 and L <= L + 3, and the slice back to L matches the length the output was created with.
// CHECK-LABEL: func @dynamic_causal_conv
// CHECK-SAME: (%[[X:.*]]: tensor<?x96x?xf32>, %[[W:.*]]: tensor<96x4xf32>)
// CHECK-NOT: arith.minsi
// CHECK: %[[Y:.*]], %{{.*}} = ssm.causal_conv1d %[[X]], %[[W]] activation = silu
// CHECK-SAME: -> (tensor<?x96x?xf32>, tensor<?x96x3xf32>)
// CHECK-NEXT: return %[[Y]]
func.func @dynamic_causal_conv(%x: tensor<?x96x?xf32>, %w: tensor<96x4xf32>) -> tensor<?x96x?xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %b = tensor.dim %x, %c0 : tensor<?x96x?xf32>
  %l = tensor.dim %x, %c2 : tensor<?x96x?xf32>
  %p = tensor.pad %x low[0, 0, 3] high[0, 0, 3] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %zero : f32
  } : tensor<?x96x?xf32> to tensor<?x96x?xf32>
  %out = arith.addi %l, %c3 : index
  %e = tensor.empty(%b, %out) : tensor<?x96x?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x96x?xf32>) -> tensor<?x96x?xf32>
  %c = linalg.depthwise_conv_1d_ncw_cw {dilations = dense<1> : vector<1xi64>, strides = dense<1> : vector<1xi64>}
      ins(%p, %w : tensor<?x96x?xf32>, tensor<96x4xf32>) outs(%f : tensor<?x96x?xf32>) -> tensor<?x96x?xf32>
  // Slice(starts = 0, ends = L) as the importer clamps it.
  %start = arith.minsi %out, %c0 : index
  %neg = arith.cmpi slt, %l, %c0 : index
  %wrapped = arith.addi %l, %out : index
  %end0 = arith.select %neg, %wrapped, %l : index
  %end1 = arith.maxsi %end0, %c0 : index
  %end = arith.minsi %end1, %out : index
  %diff = arith.subi %end, %start : index
  %size = arith.maxsi %diff, %c0 : index
  %s = tensor.extract_slice %c[0, 0, %start] [%b, 96, %size] [1, 1, 1] : tensor<?x96x?xf32> to tensor<?x96x?xf32>
  %y = ssm.silu %s : tensor<?x96x?xf32> -> tensor<?x96x?xf32>
  return %y : tensor<?x96x?xf32>
}

// Sliced to another length L2 that nothing ties to L: left as it is.
// CHECK-LABEL: func @dynamic_other_length
// CHECK-NOT: ssm.causal_conv1d
// CHECK: tensor.extract_slice
func.func @dynamic_other_length(%x: tensor<?x96x?xf32>, %w: tensor<96x4xf32>, %l2: index) -> tensor<?x96x?xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %b = tensor.dim %x, %c0 : tensor<?x96x?xf32>
  %l = tensor.dim %x, %c2 : tensor<?x96x?xf32>
  %p = tensor.pad %x low[0, 0, 3] high[0, 0, 3] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %zero : f32
  } : tensor<?x96x?xf32> to tensor<?x96x?xf32>
  %out = arith.addi %l, %c3 : index
  %e = tensor.empty(%b, %out) : tensor<?x96x?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x96x?xf32>) -> tensor<?x96x?xf32>
  %c = linalg.depthwise_conv_1d_ncw_cw {dilations = dense<1> : vector<1xi64>, strides = dense<1> : vector<1xi64>}
      ins(%p, %w : tensor<?x96x?xf32>, tensor<96x4xf32>) outs(%f : tensor<?x96x?xf32>) -> tensor<?x96x?xf32>
  %s = tensor.extract_slice %c[0, 0, 0] [%b, 96, %l2] [1, 1, 1] : tensor<?x96x?xf32> to tensor<?x96x?xf32>
  return %s : tensor<?x96x?xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#id5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#rep = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, 0, d3, d4)>
#swap = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
#scalar4 = affine_map<(d0, d1, d2, d3) -> ()>
#bmask = affine_map<(d0, d1, d2, d3) -> (0, 0, d2, d3)>
#rows = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#mmA = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#mmB = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#mmC = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>

// torch's decomposed SDPA with GQA (2 query heads on 1 key/value head): sqrt-split scale on q
// and k^T, an additive causal mask, softmax, the NaN guard.
// CHECK-LABEL: func @decomposed_attention
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x3x4xf32>, %[[K:.*]]: tensor<1x1x3x4xf32>, %[[V:.*]]: tensor<1x1x3x4xf32>)
// CHECK: %[[MASK:.*]] = arith.constant dense<{{.*}}> : tensor<1x1x3x3xf32>
// CHECK: %[[O:.*]], %{{.*}}, %{{.*}} = lm.attention %[[Q]], %[[K]], %[[V]] mask(%[[MASK]]) {scale = 2.500000e-01 : f32}
// CHECK-SAME: -> (tensor<1x2x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>)
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[O]] : tensor<1x2x3x4xf32>)
// CHECK: arith.cmpf uno
// CHECK: arith.select
// CHECK: return %[[G]]
func.func @decomposed_attention(%q: tensor<1x2x3x4xf32>, %k: tensor<1x1x3x4xf32>, %v: tensor<1x1x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %half = arith.constant dense<0.5> : tensor<f32>
  %mask = arith.constant dense<[[[[0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0]]]]> : tensor<1x1x3x3xf32>
  %s5 = arith.constant dense<[1, 1, 1, 3, 4]> : tensor<5xi64>
  %s3 = arith.constant dense<[2, 3, 4]> : tensor<3xi64>
  %s4t = arith.constant dense<[1, 2, 4, 3]> : tensor<4xi64>
  %s4 = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi64>
  // repeat_kv(k, 2), flattened to (B*H, S, D), transposed, back to (B, H, D, S); scaled.
  %k5 = tensor.reshape %k(%s5) : (tensor<1x1x3x4xf32>, tensor<5xi64>) -> tensor<1x1x1x3x4xf32>
  %ek = tensor.empty() : tensor<1x1x2x3x4xf32>
  %kr = linalg.generic {indexing_maps = [#rep, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%k5 : tensor<1x1x1x3x4xf32>) outs(%ek : tensor<1x1x2x3x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<1x1x2x3x4xf32>
  %kf = tensor.reshape %kr(%s3) : (tensor<1x1x2x3x4xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  %et = tensor.empty() : tensor<2x4x3xf32>
  %kt3 = linalg.generic {indexing_maps = [#swap, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%kf : tensor<2x3x4xf32>) outs(%et : tensor<2x4x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<2x4x3xf32>
  %kt = tensor.reshape %kt3(%s4t) : (tensor<2x4x3xf32>, tensor<4xi64>) -> tensor<1x2x4x3xf32>
  %ekt = tensor.empty() : tensor<1x2x4x3xf32>
  %kts = linalg.generic {indexing_maps = [#id4, #scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%kt, %half : tensor<1x2x4x3xf32>, tensor<f32>) outs(%ekt : tensor<1x2x4x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x3xf32>
  %eq = tensor.empty() : tensor<1x2x3x4xf32>
  %qs = linalg.generic {indexing_maps = [#id4, #scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q, %half : tensor<1x2x3x4xf32>, tensor<f32>) outs(%eq : tensor<1x2x3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x2x3x4xf32>
  // scores, mask, softmax, NaN guard.
  %es = tensor.empty() : tensor<1x2x3x3xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %sc = linalg.generic {indexing_maps = [#mmA, #mmB, #mmC], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%qs, %kts : tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) outs(%fs : tensor<1x2x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3x3xf32>
  %lg = linalg.generic {indexing_maps = [#id4, #bmask, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sc, %mask : tensor<1x2x3x3xf32>, tensor<1x1x3x3xf32>) outs(%es : tensor<1x2x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3x3xf32>
  %er = tensor.empty() : tensor<1x2x3xf32>
  %fm = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  %mx = linalg.generic {indexing_maps = [#id4, #rows], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%lg : tensor<1x2x3x3xf32>) outs(%fm : tensor<1x2x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %o, %a : f32
    linalg.yield %m : f32
  } -> tensor<1x2x3xf32>
  %sh = linalg.generic {indexing_maps = [#id4, #rows, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%lg, %mx : tensor<1x2x3x3xf32>, tensor<1x2x3xf32>) outs(%es : tensor<1x2x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.subf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3x3xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%er : tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  %sm = linalg.generic {indexing_maps = [#id4, #rows], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%sh : tensor<1x2x3x3xf32>) outs(%f0 : tensor<1x2x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    %s = arith.addf %o, %e : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3xf32>
  %p = linalg.generic {indexing_maps = [#id4, #rows, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sh, %sm : tensor<1x2x3x3xf32>, tensor<1x2x3xf32>) outs(%es : tensor<1x2x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %e = math.exp %a : f32
    %d = arith.divf %e, %b : f32
    linalg.yield %d : f32
  } -> tensor<1x2x3x3xf32>
  %eb = tensor.empty() : tensor<1x2x3x3xi1>
  %isnan = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%p : tensor<1x2x3x3xf32>) outs(%eb : tensor<1x2x3x3xi1>) {
  ^bb0(%a: f32, %o: i1):
    %n = arith.cmpf uno, %a, %a : f32
    linalg.yield %n : i1
  } -> tensor<1x2x3x3xi1>
  %zt = arith.constant dense<0.0> : tensor<f32>
  %pg = linalg.generic {indexing_maps = [#id4, #scalar4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%isnan, %zt, %p : tensor<1x2x3x3xi1>, tensor<f32>, tensor<1x2x3x3xf32>) outs(%es : tensor<1x2x3x3xf32>) {
  ^bb0(%c: i1, %a: f32, %b: f32, %o: f32):
    %s = arith.select %c, %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3x3xf32>
  // repeat_kv(v, 2) (B, H, S, D)
  %v5 = tensor.reshape %v(%s5) : (tensor<1x1x3x4xf32>, tensor<5xi64>) -> tensor<1x1x1x3x4xf32>
  %vr = linalg.generic {indexing_maps = [#rep, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%v5 : tensor<1x1x1x3x4xf32>) outs(%ek : tensor<1x1x2x3x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<1x1x2x3x4xf32>
  %vh = tensor.reshape %vr(%s4) : (tensor<1x1x2x3x4xf32>, tensor<4xi64>) -> tensor<1x2x3x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eq : tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %out = linalg.generic {indexing_maps = [#mmA, #mmB, #mmC], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%pg, %vh : tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) outs(%fo : tensor<1x2x3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3x4xf32>
  return %out : tensor<1x2x3x4xf32>
}

// The values scaled before the product: no longer softmax(q k^T) v of the inputs.
// CHECK-LABEL: func @scaled_values
// CHECK-NOT: lm.attention
// CHECK: return
func.func @scaled_values(%q: tensor<1x2x3x4xf32>, %k: tensor<1x1x3x4xf32>, %v: tensor<1x1x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %half = arith.constant dense<0.5> : tensor<f32>
  %mask = arith.constant dense<[[[[0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0]]]]> : tensor<1x1x3x3xf32>
  %s5 = arith.constant dense<[1, 1, 1, 3, 4]> : tensor<5xi64>
  %s3 = arith.constant dense<[2, 3, 4]> : tensor<3xi64>
  %s4t = arith.constant dense<[1, 2, 4, 3]> : tensor<4xi64>
  %s4 = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi64>
  // repeat_kv(k, 2), flattened to (B*H, S, D), transposed, back to (B, H, D, S); scaled.
  %k5 = tensor.reshape %k(%s5) : (tensor<1x1x3x4xf32>, tensor<5xi64>) -> tensor<1x1x1x3x4xf32>
  %ek = tensor.empty() : tensor<1x1x2x3x4xf32>
  %kr = linalg.generic {indexing_maps = [#rep, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%k5 : tensor<1x1x1x3x4xf32>) outs(%ek : tensor<1x1x2x3x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<1x1x2x3x4xf32>
  %kf = tensor.reshape %kr(%s3) : (tensor<1x1x2x3x4xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  %et = tensor.empty() : tensor<2x4x3xf32>
  %kt3 = linalg.generic {indexing_maps = [#swap, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%kf : tensor<2x3x4xf32>) outs(%et : tensor<2x4x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<2x4x3xf32>
  %kt = tensor.reshape %kt3(%s4t) : (tensor<2x4x3xf32>, tensor<4xi64>) -> tensor<1x2x4x3xf32>
  %ekt = tensor.empty() : tensor<1x2x4x3xf32>
  %kts = linalg.generic {indexing_maps = [#id4, #scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%kt, %half : tensor<1x2x4x3xf32>, tensor<f32>) outs(%ekt : tensor<1x2x4x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x3xf32>
  %eq = tensor.empty() : tensor<1x2x3x4xf32>
  %qs = linalg.generic {indexing_maps = [#id4, #scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q, %half : tensor<1x2x3x4xf32>, tensor<f32>) outs(%eq : tensor<1x2x3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x2x3x4xf32>
  // scores, mask, softmax, NaN guard.
  %es = tensor.empty() : tensor<1x2x3x3xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %sc = linalg.generic {indexing_maps = [#mmA, #mmB, #mmC], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%qs, %kts : tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) outs(%fs : tensor<1x2x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3x3xf32>
  %lg = linalg.generic {indexing_maps = [#id4, #bmask, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sc, %mask : tensor<1x2x3x3xf32>, tensor<1x1x3x3xf32>) outs(%es : tensor<1x2x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3x3xf32>
  %er = tensor.empty() : tensor<1x2x3xf32>
  %fm = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  %mx = linalg.generic {indexing_maps = [#id4, #rows], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%lg : tensor<1x2x3x3xf32>) outs(%fm : tensor<1x2x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %o, %a : f32
    linalg.yield %m : f32
  } -> tensor<1x2x3xf32>
  %sh = linalg.generic {indexing_maps = [#id4, #rows, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%lg, %mx : tensor<1x2x3x3xf32>, tensor<1x2x3xf32>) outs(%es : tensor<1x2x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.subf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3x3xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%er : tensor<1x2x3xf32>) -> tensor<1x2x3xf32>
  %sm = linalg.generic {indexing_maps = [#id4, #rows], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%sh : tensor<1x2x3x3xf32>) outs(%f0 : tensor<1x2x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    %s = arith.addf %o, %e : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3xf32>
  %p = linalg.generic {indexing_maps = [#id4, #rows, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sh, %sm : tensor<1x2x3x3xf32>, tensor<1x2x3xf32>) outs(%es : tensor<1x2x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %e = math.exp %a : f32
    %d = arith.divf %e, %b : f32
    linalg.yield %d : f32
  } -> tensor<1x2x3x3xf32>
  %eb = tensor.empty() : tensor<1x2x3x3xi1>
  %isnan = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%p : tensor<1x2x3x3xf32>) outs(%eb : tensor<1x2x3x3xi1>) {
  ^bb0(%a: f32, %o: i1):
    %n = arith.cmpf uno, %a, %a : f32
    linalg.yield %n : i1
  } -> tensor<1x2x3x3xi1>
  %zt = arith.constant dense<0.0> : tensor<f32>
  %pg = linalg.generic {indexing_maps = [#id4, #scalar4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%isnan, %zt, %p : tensor<1x2x3x3xi1>, tensor<f32>, tensor<1x2x3x3xf32>) outs(%es : tensor<1x2x3x3xf32>) {
  ^bb0(%c: i1, %a: f32, %b: f32, %o: f32):
    %s = arith.select %c, %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3x3xf32>
  // repeat_kv(v, 2) (B, H, S, D); scaled
  %v5 = tensor.reshape %v(%s5) : (tensor<1x1x3x4xf32>, tensor<5xi64>) -> tensor<1x1x1x3x4xf32>
  %vr = linalg.generic {indexing_maps = [#rep, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%v5 : tensor<1x1x1x3x4xf32>) outs(%ek : tensor<1x1x2x3x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<1x1x2x3x4xf32>
  %vh = tensor.reshape %vr(%s4) : (tensor<1x1x2x3x4xf32>, tensor<4xi64>) -> tensor<1x2x3x4xf32>
  %vs = linalg.generic {indexing_maps = [#id4, #scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%vh, %half : tensor<1x2x3x4xf32>, tensor<f32>) outs(%eq : tensor<1x2x3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x2x3x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eq : tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %out = linalg.generic {indexing_maps = [#mmA, #mmB, #mmC], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%pg, %vs : tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) outs(%fo : tensor<1x2x3x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3x4xf32>
  return %out : tensor<1x2x3x4xf32>
}
