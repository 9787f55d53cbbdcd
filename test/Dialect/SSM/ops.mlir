// RUN: ssm-opt %s | ssm-opt | FileCheck %s
// RUN: ssm-opt %s --mlir-print-op-generic | ssm-opt | FileCheck %s

// CHECK-LABEL: func @discretize
func.func @discretize(%dt: tensor<2x8xbf16>, %a: tensor<2x8xf32>, %b: tensor<2x8xbf16>)
    -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  // CHECK: ssm.discretize zoh %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x8xbf16>, tensor<2x8xf32>, tensor<2x8xbf16> -> tensor<2x8xf32>, tensor<2x8xf32>
  %ab, %bb = ssm.discretize zoh %dt, %a, %b
      : tensor<2x8xbf16>, tensor<2x8xf32>, tensor<2x8xbf16> -> tensor<2x8xf32>, tensor<2x8xf32>
  // CHECK: ssm.discretize bilinear %{{.*}}, %{{.*}} : tensor<2x8xbf16>, tensor<2x8xf32> -> tensor<2x8xf32>
  %a2 = ssm.discretize bilinear %dt, %a : tensor<2x8xbf16>, tensor<2x8xf32> -> tensor<2x8xf32>
  // CHECK: ssm.discretize euler
  %a3, %b3 = ssm.discretize euler %dt, %a, %b
      : tensor<2x8xbf16>, tensor<2x8xf32>, tensor<2x8xbf16> -> tensor<2x8xf32>, tensor<2x8xf32>
  // CHECK: ssm.discretize mamba
  %a4, %b4 = ssm.discretize mamba %dt, %a, %b
      : tensor<2x8xbf16>, tensor<2x8xf32>, tensor<2x8xbf16> -> tensor<2x8xf32>, tensor<2x8xf32>
  return %ab, %bb, %a2 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// CHECK-LABEL: func @scan
func.func @scan(%a: tensor<2x4x64xf32>, %b: tensor<2x4x64xf32>, %h0: tensor<2x4xf32>,
                %da: tensor<?x4x?xbf16>, %db: tensor<?x4x?xbf16>)
    -> (tensor<2x4x64xf32>, tensor<2x4xf32>, tensor<?x4x?xbf16>, tensor<4x?xbf16>) {
  // CHECK: ssm.scan %{{.*}}, %{{.*}} init(%{{.*}}) dim = 2 : (tensor<2x4x64xf32>, tensor<2x4x64xf32>, tensor<2x4xf32>) -> (tensor<2x4x64xf32>, tensor<2x4xf32>)
  %h, %last = ssm.scan %a, %b init(%h0) dim = 2
      : (tensor<2x4x64xf32>, tensor<2x4x64xf32>, tensor<2x4xf32>)
      -> (tensor<2x4x64xf32>, tensor<2x4xf32>)
  // CHECK: ssm.scan %{{.*}}, %{{.*}} dim = 0 reverse : (tensor<?x4x?xbf16>, tensor<?x4x?xbf16>) -> (tensor<?x4x?xbf16>, tensor<4x?xbf16>)
  %h2, %last2 = ssm.scan %da, %db dim = 0 reverse
      : (tensor<?x4x?xbf16>, tensor<?x4x?xbf16>) -> (tensor<?x4x?xbf16>, tensor<4x?xbf16>)
  return %h, %last, %h2, %last2 : tensor<2x4x64xf32>, tensor<2x4xf32>, tensor<?x4x?xbf16>, tensor<4x?xbf16>
}

// CHECK-LABEL: func @associative_scan
func.func @associative_scan(%x: tensor<4x128xf32>, %a: tensor<4x128xf32>)
    -> (tensor<4x128xf32>, tensor<4x128xf32>, tensor<4x128xf32>) {
  // CHECK: ssm.associative_scan %{{.*}} dim = 1 : tensor<4x128xf32> -> tensor<4x128xf32> {
  // CHECK: ^bb0(%[[ACC:.*]]: f32, %[[NEXT:.*]]: f32):
  // CHECK:   %[[S:.*]] = arith.addf %[[ACC]], %[[NEXT]] : f32
  // CHECK:   ssm.yield %[[S]] : f32
  %cs = ssm.associative_scan %x dim = 1 : tensor<4x128xf32> -> tensor<4x128xf32> {
  ^bb0(%acc: f32, %next: f32):
    %s = arith.addf %acc, %next : f32
    ssm.yield %s : f32
  }
  // CHECK: ssm.associative_scan %{{.*}}, %{{.*}} dim = 1 reverse : tensor<4x128xf32>, tensor<4x128xf32> -> tensor<4x128xf32>, tensor<4x128xf32>
  %r:2 = ssm.associative_scan %a, %x dim = 1 reverse
      : tensor<4x128xf32>, tensor<4x128xf32> -> tensor<4x128xf32>, tensor<4x128xf32> {
  ^bb0(%a1: f32, %b1: f32, %a2: f32, %b2: f32):
    %m = arith.mulf %a1, %a2 : f32
    %n = arith.mulf %a2, %b1 : f32
    %o = arith.addf %n, %b2 : f32
    ssm.yield %m, %o : f32, f32
  }
  return %cs, %r#0, %r#1 : tensor<4x128xf32>, tensor<4x128xf32>, tensor<4x128xf32>
}

// CHECK-LABEL: func @selective_scan
func.func @selective_scan(%u: tensor<2x16x33xbf16>, %delta: tensor<2x16x33xbf16>,
                          %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xbf16>,
                          %C: tensor<2x2x4x33xbf16>, %D: tensor<16xf32>,
                          %z: tensor<2x16x33xbf16>, %db: tensor<16xf32>,
                          %h0: tensor<2x16x4xf32>)
    -> (tensor<2x16x33xbf16>, tensor<2x16x4xf32>, tensor<2x16x33xbf16>) {
  // CHECK: ssm.selective_scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} D(%{{.*}}) z(%{{.*}}) delta_bias(%{{.*}}) init(%{{.*}}) delta_softplus : (tensor<2x16x33xbf16>, tensor<2x16x33xbf16>, tensor<16x4xf32>, tensor<2x2x4x33xbf16>, tensor<2x2x4x33xbf16>, tensor<16xf32>, tensor<2x16x33xbf16>, tensor<16xf32>, tensor<2x16x4xf32>) -> (tensor<2x16x33xbf16>, tensor<2x16x4xf32>)
  %y, %h = ssm.selective_scan %u, %delta, %A, %B, %C D(%D) z(%z) delta_bias(%db) init(%h0)
      delta_softplus
      : (tensor<2x16x33xbf16>, tensor<2x16x33xbf16>, tensor<16x4xf32>, tensor<2x2x4x33xbf16>,
         tensor<2x2x4x33xbf16>, tensor<16xf32>, tensor<2x16x33xbf16>, tensor<16xf32>,
         tensor<2x16x4xf32>)
      -> (tensor<2x16x33xbf16>, tensor<2x16x4xf32>)
  // CHECK: ssm.selective_scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} z(%{{.*}}) : (tensor<2x16x33xbf16>, tensor<2x16x33xbf16>, tensor<16x4xf32>, tensor<2x2x4x33xbf16>, tensor<2x2x4x33xbf16>, tensor<2x16x33xbf16>) -> (tensor<2x16x33xbf16>, tensor<2x16x4xf32>)
  %y2, %h2 = ssm.selective_scan %u, %delta, %A, %B, %C z(%z)
      : (tensor<2x16x33xbf16>, tensor<2x16x33xbf16>, tensor<16x4xf32>, tensor<2x2x4x33xbf16>,
         tensor<2x2x4x33xbf16>, tensor<2x16x33xbf16>)
      -> (tensor<2x16x33xbf16>, tensor<2x16x4xf32>)
  return %y, %h, %y2 : tensor<2x16x33xbf16>, tensor<2x16x4xf32>, tensor<2x16x33xbf16>
}

// CHECK-LABEL: func @selective_scan_dynamic
func.func @selective_scan_dynamic(%u: tensor<?x16x?xf32>, %A: tensor<16x4xf32>,
                                  %B: tensor<?x1x4x?xf32>)
    -> (tensor<?x16x?xf32>, tensor<?x16x4xf32>) {
  // CHECK: ssm.selective_scan
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B
      : (tensor<?x16x?xf32>, tensor<?x16x?xf32>, tensor<16x4xf32>, tensor<?x1x4x?xf32>,
         tensor<?x1x4x?xf32>) -> (tensor<?x16x?xf32>, tensor<?x16x4xf32>)
  return %y, %h : tensor<?x16x?xf32>, tensor<?x16x4xf32>
}

// CHECK-LABEL: func @ssd
func.func @ssd(%x: tensor<2x100x8x16xf16>, %dt: tensor<2x100x8xf16>, %A: tensor<8xf32>,
               %B: tensor<2x100x2x32xf16>, %C: tensor<2x100x2x32xf16>, %D: tensor<8x16xf32>,
               %z: tensor<2x100x8x16xf16>, %bias: tensor<8xf32>, %h0: tensor<2x8x16x32xf32>)
    -> (tensor<2x100x8x16xf16>, tensor<2x8x16x32xf32>, tensor<2x100x8x16xf16>) {
  // CHECK: ssm.ssd %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} D(%{{.*}}) z(%{{.*}}) dt_bias(%{{.*}}) init(%{{.*}}) dt_softplus {chunk_size = 64 : i64, dt_max = 1.000000e-01 : f32, dt_min = 1.000000e-03 : f32} : (tensor<2x100x8x16xf16>, tensor<2x100x8xf16>, tensor<8xf32>, tensor<2x100x2x32xf16>, tensor<2x100x2x32xf16>, tensor<8x16xf32>, tensor<2x100x8x16xf16>, tensor<8xf32>, tensor<2x8x16x32xf32>) -> (tensor<2x100x8x16xf16>, tensor<2x8x16x32xf32>)
  %y, %s = ssm.ssd %x, %dt, %A, %B, %C D(%D) z(%z) dt_bias(%bias) init(%h0) dt_softplus
      {chunk_size = 64 : i64, dt_min = 0.001 : f32, dt_max = 0.1 : f32}
      : (tensor<2x100x8x16xf16>, tensor<2x100x8xf16>, tensor<8xf32>, tensor<2x100x2x32xf16>,
         tensor<2x100x2x32xf16>, tensor<8x16xf32>, tensor<2x100x8x16xf16>, tensor<8xf32>,
         tensor<2x8x16x32xf32>)
      -> (tensor<2x100x8x16xf16>, tensor<2x8x16x32xf32>)
  // CHECK: ssm.ssd %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x100x8x16xf16>
  %y2, %s2 = ssm.ssd %x, %dt, %A, %B, %C
      : (tensor<2x100x8x16xf16>, tensor<2x100x8xf16>, tensor<8xf32>, tensor<2x100x2x32xf16>,
         tensor<2x100x2x32xf16>) -> (tensor<2x100x8x16xf16>, tensor<2x8x16x32xf32>)
  return %y, %s, %y2 : tensor<2x100x8x16xf16>, tensor<2x8x16x32xf32>, tensor<2x100x8x16xf16>
}

// CHECK-LABEL: func @ssd_steps
func.func @ssd_steps(%dA: tensor<1x4x3x16xf32>, %cs: tensor<1x4x3x16xf32>,
                     %B: tensor<1x3x16x2x8xf32>, %C: tensor<1x3x16x2x8xf32>,
                     %x: tensor<1x3x16x4x5xf32>, %h0: tensor<1x4x5x8xf32>,
                     %dAc: tensor<1x4x3xf32>)
    -> (tensor<1x3x16x4x5xf32>, tensor<1x4x5x8xf32>) {
  // CHECK: ssm.segsum %{{.*}} : tensor<1x4x3x16xf32> -> tensor<1x4x3x16x16xf32>
  %seg = ssm.segsum %dA : tensor<1x4x3x16xf32> -> tensor<1x4x3x16x16xf32>
  // CHECK: ssm.chunk_state %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x16xf32> -> tensor<1x3x4x5x8xf32>
  %st = ssm.chunk_state %B, %x, %cs
      : tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x16xf32>
      -> tensor<1x3x4x5x8xf32>
  // CHECK: ssm.state_passing %{{.*}}, %{{.*}} init(%{{.*}}) : (tensor<1x3x4x5x8xf32>, tensor<1x4x3xf32>, tensor<1x4x5x8xf32>) -> (tensor<1x3x4x5x8xf32>, tensor<1x4x5x8xf32>)
  %prev, %final = ssm.state_passing %st, %dAc init(%h0)
      : (tensor<1x3x4x5x8xf32>, tensor<1x4x3xf32>, tensor<1x4x5x8xf32>)
      -> (tensor<1x3x4x5x8xf32>, tensor<1x4x5x8xf32>)
  // CHECK: ssm.state_passing %{{.*}}, %{{.*}} : (tensor<1x3x4x5x8xf32>, tensor<1x4x3xf32>) -> (tensor<1x3x4x5x8xf32>, tensor<1x4x5x8xf32>)
  %prev2, %final2 = ssm.state_passing %st, %dAc
      : (tensor<1x3x4x5x8xf32>, tensor<1x4x3xf32>)
      -> (tensor<1x3x4x5x8xf32>, tensor<1x4x5x8xf32>)
  // CHECK: ssm.chunk_scan %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x3x16x2x8xf32>, tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x16xf32>, tensor<1x4x3x16x16xf32>, tensor<1x3x4x5x8xf32> -> tensor<1x3x16x4x5xf32>
  %y = ssm.chunk_scan %C, %B, %x, %cs, %seg, %prev
      : tensor<1x3x16x2x8xf32>, tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf32>,
        tensor<1x4x3x16xf32>, tensor<1x4x3x16x16xf32>, tensor<1x3x4x5x8xf32>
      -> tensor<1x3x16x4x5xf32>
  return %y, %final : tensor<1x3x16x4x5xf32>, tensor<1x4x5x8xf32>
}

// CHECK-LABEL: func @causal_conv1d
func.func @causal_conv1d(%x: tensor<2x12x9xbf16>, %w: tensor<12x4xf32>, %b: tensor<12xf32>,
                         %s: tensor<2x12x3xbf16>, %x1: tensor<?x12x1xbf16>)
    -> (tensor<2x12x9xbf16>, tensor<2x12x3xbf16>, tensor<?x12x1xbf16>) {
  // CHECK: ssm.causal_conv1d %{{.*}}, %{{.*}} bias(%{{.*}}) init(%{{.*}}) activation = silu : (tensor<2x12x9xbf16>, tensor<12x4xf32>, tensor<12xf32>, tensor<2x12x3xbf16>) -> (tensor<2x12x9xbf16>, tensor<2x12x3xbf16>)
  %y, %st = ssm.causal_conv1d %x, %w bias(%b) init(%s) activation = silu
      : (tensor<2x12x9xbf16>, tensor<12x4xf32>, tensor<12xf32>, tensor<2x12x3xbf16>)
      -> (tensor<2x12x9xbf16>, tensor<2x12x3xbf16>)
  // The default activation is not printed.
  // CHECK: ssm.causal_conv1d %{{.*}}, %{{.*}} : (tensor<?x12x1xbf16>, tensor<12x4xf32>) -> (tensor<?x12x1xbf16>, tensor<?x12x3xbf16>)
  %y1, %st1 = ssm.causal_conv1d %x1, %w activation = none
      : (tensor<?x12x1xbf16>, tensor<12x4xf32>) -> (tensor<?x12x1xbf16>, tensor<?x12x3xbf16>)
  return %y, %st, %y1 : tensor<2x12x9xbf16>, tensor<2x12x3xbf16>, tensor<?x12x1xbf16>
}

// CHECK-LABEL: func @gated_rms_norm
func.func @gated_rms_norm(%x: tensor<2x5x64xbf16>, %w: tensor<64xf32>, %z: tensor<2x5x64xbf16>)
    -> (tensor<2x5x64xbf16>, tensor<2x5x64xbf16>) {
  // CHECK: ssm.gated_rms_norm %{{.*}}, %{{.*}} gate(%{{.*}}) norm_before_gate {eps = 9.99999997E-7 : f32, group_size = 16 : i64} : (tensor<2x5x64xbf16>, tensor<64xf32>, tensor<2x5x64xbf16>) -> tensor<2x5x64xbf16>
  %y = ssm.gated_rms_norm %x, %w gate(%z) norm_before_gate {eps = 1.0e-6 : f32, group_size = 16 : i64}
      : (tensor<2x5x64xbf16>, tensor<64xf32>, tensor<2x5x64xbf16>) -> tensor<2x5x64xbf16>
  // CHECK: ssm.gated_rms_norm %{{.*}}, %{{.*}} : (tensor<2x5x64xbf16>, tensor<64xf32>) -> tensor<2x5x64xbf16>
  %y2 = ssm.gated_rms_norm %x, %w : (tensor<2x5x64xbf16>, tensor<64xf32>) -> tensor<2x5x64xbf16>
  return %y, %y2 : tensor<2x5x64xbf16>, tensor<2x5x64xbf16>
}
