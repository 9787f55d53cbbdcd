// RUN: ssm-opt %s | ssm-opt | FileCheck %s
// RUN: ssm-opt %s --mlir-print-op-generic | ssm-opt | FileCheck %s

// CHECK-LABEL: func @attention_prefill
func.func @attention_prefill(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>,
                             %v: tensor<2x2x16x32xbf16>)
    -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>) {
  // CHECK: lm.attention %{{.*}}, %{{.*}}, %{{.*}} causal {softcap = 5.000000e+01 : f32} : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  %o, %pk, %pv = lm.attention %q, %k, %v causal {softcap = 50.0 : f32}
      : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
      -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return %o, %pk, %pv : tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>
}

// CHECK-LABEL: func @attention_decode
func.func @attention_decode(%q: tensor<?x8x1x64xf16>, %k: tensor<?x2x1x64xf16>,
                            %v: tensor<?x2x1x64xf16>, %mask: tensor<?x1x1x?xi1>,
                            %pk: tensor<?x2x?x64xf16>, %pv: tensor<?x2x?x64xf16>)
    -> (tensor<?x8x1x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>) {
  // CHECK: lm.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}}) past(%{{.*}}, %{{.*}}) {scale = 1.250000e-01 : f32} : (tensor<?x8x1x64xf16>, tensor<?x2x1x64xf16>, tensor<?x2x1x64xf16>, tensor<?x1x1x?xi1>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>) -> (tensor<?x8x1x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>)
  %o, %nk, %nv = lm.attention %q, %k, %v mask(%mask) past(%pk, %pv) {scale = 0.125 : f32}
      : (tensor<?x8x1x64xf16>, tensor<?x2x1x64xf16>, tensor<?x2x1x64xf16>, tensor<?x1x1x?xi1>,
         tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>)
      -> (tensor<?x8x1x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>)
  return %o, %nk, %nv : tensor<?x8x1x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>
}

// CHECK-LABEL: func @attention_additive_mask
func.func @attention_additive_mask(%q: tensor<1x4x5x8xf32>, %mask: tensor<5x7xf32>,
                                   %past: tensor<1x4x2x8xf32>)
    -> tensor<1x4x5x8xf32> {
  // CHECK: lm.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}}) past(%{{.*}}, %{{.*}}) causal
  %o, %nk, %nv = lm.attention %q, %q, %q mask(%mask) past(%past, %past) causal
      : (tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>, tensor<1x4x5x8xf32>, tensor<5x7xf32>,
         tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>)
      -> (tensor<1x4x5x8xf32>, tensor<1x4x7x8xf32>, tensor<1x4x7x8xf32>)
  return %o : tensor<1x4x5x8xf32>
}

// CHECK-LABEL: func @rms_norm
func.func @rms_norm(%x: tensor<2x7x64xbf16>, %w: tensor<64xbf16>) -> tensor<2x7x64xbf16> {
  // CHECK: lm.rms_norm %{{.*}}, %{{.*}} {eps = 9.99999997E-7 : f32} : tensor<2x7x64xbf16>, tensor<64xbf16> -> tensor<2x7x64xbf16>
  %y = lm.rms_norm %x, %w {eps = 1.0e-6 : f32} : tensor<2x7x64xbf16>, tensor<64xbf16>
      -> tensor<2x7x64xbf16>
  return %y : tensor<2x7x64xbf16>
}

// CHECK-LABEL: func @rotary
func.func @rotary(%x: tensor<2x4x7x64xf32>, %cos: tensor<1x7x16xf32>, %sin: tensor<1x7x16xf32>)
    -> (tensor<2x4x7x64xf32>, tensor<2x4x7x64xf32>) {
  // CHECK: lm.rotary %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x4x7x64xf32>, tensor<1x7x16xf32>, tensor<1x7x16xf32> -> tensor<2x4x7x64xf32>
  %y = lm.rotary %x, %cos, %sin : tensor<2x4x7x64xf32>, tensor<1x7x16xf32>, tensor<1x7x16xf32>
      -> tensor<2x4x7x64xf32>
  // CHECK: lm.rotary %{{.*}}, %{{.*}}, %{{.*}} interleaved : tensor<2x4x7x64xf32>
  %y2 = lm.rotary %x, %cos, %sin interleaved
      : tensor<2x4x7x64xf32>, tensor<1x7x16xf32>, tensor<1x7x16xf32> -> tensor<2x4x7x64xf32>
  return %y, %y2 : tensor<2x4x7x64xf32>, tensor<2x4x7x64xf32>
}
