// RUN: ssm-opt %s -split-input-file -verify-diagnostics
// One case for each verifier message of the lm ops; the bracketed rule is the
// constraint of the op's description (docs/dialects/LMDialect.md) that the message cites.

func.func @case0(%q: tensor<8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>) {
  // expected-error @+1 {{[C1] 'q' must have rank 4 (B, Hq, Lq, Dk), got 'tensor<8x16x64xbf16>'}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case1(%q: tensor<2x8x16x64xf64>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>) {
  // expected-error @+1 {{[C1] 'q' must have element type f32, bf16 or f16, got 'f64'}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xf64>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case2(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x32xbf16>, %v: tensor<2x2x16x32xbf16>) {
  // expected-error @+1 {{[C1] 'k' must be (B, Hkv, Lk, Dk) with Dk = 64 (from 'q'), got 'tensor<2x2x16x32xbf16>'}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x2x16x32xbf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case3(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xf16>, %v: tensor<2x2x16x32xbf16>) {
  // expected-error @+1 {{[C1] 'k' must have element type 'bf16' (that of 'q'), got 'f16'}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case4(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x15x32xbf16>) {
  // expected-error @+1 {{[C1] 'v' must be (B, Hkv, Lk, Dv) with Lk = 16 (from 'k'), got 'tensor<2x2x15x32xbf16>'}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x15x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case5(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xf32>) {
  // expected-error @+1 {{[C1] 'v' must have element type 'bf16' (that of 'q'), got 'f32'}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xf32>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case6(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x0x16x64xbf16>, %v: tensor<2x0x16x32xbf16>) {
  // expected-error @+1 {{[C2] the number of key/value heads Hkv must be >= 1}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x0x16x64xbf16>, tensor<2x0x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x0x16x64xbf16>, tensor<2x0x16x32xbf16>)
  return
}

// -----

func.func @case7(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x3x16x64xbf16>, %v: tensor<2x3x16x32xbf16>) {
  // expected-error @+1 {{[C2] Hkv = 3 must divide Hq = 8}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x3x16x64xbf16>, tensor<2x3x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x3x16x64xbf16>, tensor<2x3x16x32xbf16>)
  return
}

// -----

func.func @case8(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>, %p: tensor<2x2x4x64xbf16>) {
  // expected-error @+1 {{[C3] 'past_key' and 'past_value' must be both present or both absent}}
  %o, %pk, %pv = "lm.attention"(%q, %k, %v, %p) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0>, softcap = 0.0 : f32}> : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>, tensor<2x2x4x64xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x20x64xbf16>, tensor<2x2x20x32xbf16>)
  return
}

// -----

func.func @case9(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>, %a: tensor<2x1x4x64xbf16>, %b: tensor<2x2x4x32xbf16>) {
  // expected-error @+1 {{[C3] 'past_key' must be (B, Hkv, Lp, Dk) with Hkv = 2 (from 'k'), got 'tensor<2x1x4x64xbf16>'}}
  %o, %pk, %pv = lm.attention %q, %k, %v past(%a, %b) : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>, tensor<2x1x4x64xbf16>, tensor<2x2x4x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x20x64xbf16>, tensor<2x2x20x32xbf16>)
  return
}

// -----

func.func @case10(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>, %a: tensor<2x2x4x64xf32>, %b: tensor<2x2x4x32xbf16>) {
  // expected-error @+1 {{[C3] 'past_key' must have element type 'bf16' (that of 'q'), got 'f32'}}
  %o, %pk, %pv = lm.attention %q, %k, %v past(%a, %b) : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>, tensor<2x2x4x64xf32>, tensor<2x2x4x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x20x64xbf16>, tensor<2x2x20x32xbf16>)
  return
}

// -----

func.func @case11(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>, %a: tensor<2x2x4x64xbf16>, %b: tensor<2x2x5x32xbf16>) {
  // expected-error @+1 {{[C3] 'past_value' must be (B, Hkv, Lp, Dv) with Lp = 4 (from 'past_key'), got 'tensor<2x2x5x32xbf16>'}}
  %o, %pk, %pv = lm.attention %q, %k, %v past(%a, %b) : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>, tensor<2x2x4x64xbf16>, tensor<2x2x5x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x20x64xbf16>, tensor<2x2x20x32xbf16>)
  return
}

// -----

func.func @case12(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>, %a: tensor<2x2x4x64xbf16>, %b: tensor<2x2x4x32xf16>) {
  // expected-error @+1 {{[C3] 'past_value' must have element type 'bf16' (that of 'q'), got 'f16'}}
  %o, %pk, %pv = lm.attention %q, %k, %v past(%a, %b) : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>, tensor<2x2x4x64xbf16>, tensor<2x2x4x32xf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x20x64xbf16>, tensor<2x2x20x32xbf16>)
  return
}

// -----

func.func @case13(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>, %m: tensor<16xi1>) {
  // expected-error @+1 {{[C4] 'mask' must have rank 2 to 4, got 'tensor<16xi1>'}}
  %o, %pk, %pv = lm.attention %q, %k, %v mask(%m) : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>, tensor<16xi1>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case14(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>, %m: tensor<2x4x16x16xbf16>) {
  // expected-error @+1 {{[C4] 'mask' dimension 1 must be 1 or Hq = 8, got 'tensor<2x4x16x16xbf16>'}}
  %o, %pk, %pv = lm.attention %q, %k, %v mask(%m) : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>, tensor<2x4x16x16xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case15(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>, %m: tensor<16x16xf32>) {
  // expected-error @+1 {{[C4] 'mask' must have element type 'bf16' or i1, got 'f32'}}
  %o, %pk, %pv = lm.attention %q, %k, %v mask(%m) : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>, tensor<16x16xf32>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case16(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>) {
  // expected-error @+1 {{[C5] scale = -1.000000e+00 must be > 0}}
  %o, %pk, %pv = lm.attention %q, %k, %v {scale = -1.0 : f32} : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case17(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>) {
  // expected-error @+1 {{[C5] softcap = -2.000000e+00 must be >= 0}}
  %o, %pk, %pv = lm.attention %q, %k, %v {softcap = -2.0 : f32} : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case18(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>) {
  // expected-error @+1 {{[C6] 'out' must be (B, Hq, Lq, Dv) with Dv = 32 (from 'v'), got 'tensor<2x8x16x64xbf16>'}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case19(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>) {
  // expected-error @+1 {{[C6] 'out' must have element type 'bf16' (that of 'q'), got 'f32'}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case20(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>, %a: tensor<2x2x4x64xbf16>, %b: tensor<2x2x4x32xbf16>) {
  // expected-error @+1 {{[C6] 'present_key' must be (B, Hkv, T, Dk) with T = 20 (from 'past_key and k'), got 'tensor<2x2x16x64xbf16>'}}
  %o, %pk, %pv = lm.attention %q, %k, %v past(%a, %b) : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>, tensor<2x2x4x64xbf16>, tensor<2x2x4x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x20x32xbf16>)
  return
}

// -----

func.func @case21(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>) {
  // expected-error @+1 {{[C6] 'present_key' must have element type 'bf16' (that of 'q'), got 'f16'}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x32xbf16>)
  return
}

// -----

func.func @case22(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>) {
  // expected-error @+1 {{[C6] 'present_value' must be (B, Hkv, T, Dv) with T = 16 (from 'past_key and k'), got 'tensor<2x2x17x32xbf16>'}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x17x32xbf16>)
  return
}

// -----

func.func @case23(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x16x64xbf16>, %v: tensor<2x2x16x32xbf16>) {
  // expected-error @+1 {{[C6] 'present_value' must have element type 'bf16' (that of 'q'), got 'f16'}}
  %o, %pk, %pv = lm.attention %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xbf16>) -> (tensor<2x8x16x32xbf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x32xf16>)
  return
}

// -----

func.func @case24(%x: tensor<bf16>, %w: tensor<64xf32>) {
  // expected-error @+1 {{[C1] 'x' must have rank >= 1, got 'tensor<bf16>'}}
  %y = lm.rms_norm %x, %w : tensor<bf16>, tensor<64xf32> -> tensor<bf16>
  return
}

// -----

func.func @case25(%x: tensor<2x7x64xi32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{[C1] 'x' must have element type f32, bf16 or f16, got 'i32'}}
  %y = lm.rms_norm %x, %w : tensor<2x7x64xi32>, tensor<64xf32> -> tensor<2x7x64xi32>
  return
}

// -----

func.func @case26(%x: tensor<2x7x64xbf16>, %w: tensor<63xf32>) {
  // expected-error @+1 {{[C2] 'w' must be (D) with D = 64 (from 'x'), got 'tensor<63xf32>'}}
  %y = lm.rms_norm %x, %w : tensor<2x7x64xbf16>, tensor<63xf32> -> tensor<2x7x64xbf16>
  return
}

// -----

func.func @case27(%x: tensor<2x7x64xbf16>, %w: tensor<64xi8>) {
  // expected-error @+1 {{[C2] 'w' must have a float element type, got 'i8'}}
  %y = lm.rms_norm %x, %w : tensor<2x7x64xbf16>, tensor<64xi8> -> tensor<2x7x64xbf16>
  return
}

// -----

func.func @case28(%x: tensor<2x7x64xbf16>, %w: tensor<64xf32>) {
  // expected-error @+1 {{[C3] eps = -1.000000e+00 must be > 0}}
  %y = lm.rms_norm %x, %w {eps = -1.0 : f32} : tensor<2x7x64xbf16>, tensor<64xf32> -> tensor<2x7x64xbf16>
  return
}

// -----

func.func @case29(%x: tensor<2x7x64xbf16>, %w: tensor<64xf32>) {
  // expected-error @+1 {{[C4] 'y' must have the type of 'x'}}
  %y = lm.rms_norm %x, %w : tensor<2x7x64xbf16>, tensor<64xf32> -> tensor<2x7x64xf16>
  return
}

// -----

func.func @case30(%x: tensor<4x7x64xf32>, %c: tensor<1x7x16xf32>, %s: tensor<1x7x16xf32>) {
  // expected-error @+1 {{[C1] 'x' must have rank 4 (B, H, L, Dh), got 'tensor<4x7x64xf32>'}}
  %y = lm.rotary %x, %c, %s : tensor<4x7x64xf32>, tensor<1x7x16xf32>, tensor<1x7x16xf32> -> tensor<4x7x64xf32>
  return
}

// -----

func.func @case31(%x: tensor<2x4x7x64xi32>, %c: tensor<1x7x16xf32>, %s: tensor<1x7x16xf32>) {
  // expected-error @+1 {{[C1] 'x' must have element type f32, bf16 or f16, got 'i32'}}
  %y = lm.rotary %x, %c, %s : tensor<2x4x7x64xi32>, tensor<1x7x16xf32>, tensor<1x7x16xf32> -> tensor<2x4x7x64xi32>
  return
}

// -----

func.func @case32(%x: tensor<2x4x7x64xf32>, %c: tensor<1x8x16xf32>, %s: tensor<1x8x16xf32>) {
  // expected-error @+1 {{[C2] 'cos' must be (*, L, R/2) with L = 7 (from 'x'), got 'tensor<1x8x16xf32>'}}
  %y = lm.rotary %x, %c, %s : tensor<2x4x7x64xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32> -> tensor<2x4x7x64xf32>
  return
}

// -----

func.func @case33(%x: tensor<2x4x7x64xf32>, %c: tensor<1x7x16xi32>, %s: tensor<1x7x16xi32>) {
  // expected-error @+1 {{[C2] 'cos' must have a float element type, got 'i32'}}
  %y = lm.rotary %x, %c, %s : tensor<2x4x7x64xf32>, tensor<1x7x16xi32>, tensor<1x7x16xi32> -> tensor<2x4x7x64xf32>
  return
}

// -----

func.func @case34(%x: tensor<2x4x7x64xf32>, %c: tensor<1x7x16xf32>, %s: tensor<1x7x16xf16>) {
  // expected-error @+1 {{[C2] 'sin' must have the type of 'cos'}}
  %y = lm.rotary %x, %c, %s : tensor<2x4x7x64xf32>, tensor<1x7x16xf32>, tensor<1x7x16xf16> -> tensor<2x4x7x64xf32>
  return
}

// -----

func.func @case35(%x: tensor<2x4x7x64xf32>, %c: tensor<3x7x16xf32>, %s: tensor<3x7x16xf32>) {
  // expected-error @+1 {{[C2] 'cos' dimension 0 must be 1 or B = 2, got 'tensor<3x7x16xf32>'}}
  %y = lm.rotary %x, %c, %s : tensor<2x4x7x64xf32>, tensor<3x7x16xf32>, tensor<3x7x16xf32> -> tensor<2x4x7x64xf32>
  return
}

// -----

func.func @case36(%x: tensor<2x4x7x64xf32>, %c: tensor<1x7x40xf32>, %s: tensor<1x7x40xf32>) {
  // expected-error @+1 {{[C3] the rotated channels R = 80 must not exceed Dh = 64}}
  %y = lm.rotary %x, %c, %s : tensor<2x4x7x64xf32>, tensor<1x7x40xf32>, tensor<1x7x40xf32> -> tensor<2x4x7x64xf32>
  return
}

// -----

func.func @case37(%x: tensor<2x4x7x64xf32>, %c: tensor<1x7x16xf32>, %s: tensor<1x7x16xf32>) {
  // expected-error @+1 {{[C4] 'y' must have the type of 'x'}}
  %y = lm.rotary %x, %c, %s : tensor<2x4x7x64xf32>, tensor<1x7x16xf32>, tensor<1x7x16xf32> -> tensor<2x4x7x64xbf16>
  return
}
