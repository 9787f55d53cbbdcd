// RUN: ssm-opt %s -split-input-file -verify-diagnostics
// One case for each verifier message of the ssm ops; the bracketed rule is the
// constraint of the op's description (docs/dialects/SSMDialect.md) that the message cites.

func.func @case0(%dt: tensor<2x8xf32>, %A: tensor<2x9xf32>) {
  // expected-error @+1 {{[C1] 'A' must have the shape of 'dt' ('tensor<2x8xf32>'), got 'tensor<2x9xf32>'}}
  %a = ssm.discretize zoh %dt, %A : tensor<2x8xf32>, tensor<2x9xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @case1(%dt: tensor<2x8xf32>, %A: tensor<2x8xf32>, %B: tensor<8xf32>) {
  // expected-error @+1 {{[C1] 'B' must have the shape of 'dt'}}
  %a, %b = ssm.discretize zoh %dt, %A, %B : tensor<2x8xf32>, tensor<2x8xf32>, tensor<8xf32> -> tensor<2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @case2(%dt: tensor<2x8xf64>, %A: tensor<2x8xf32>) {
  // expected-error @+1 {{[C2] 'dt' must have element type f32, bf16 or f16, got 'f64'}}
  %a = ssm.discretize zoh %dt, %A : tensor<2x8xf64>, tensor<2x8xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @case3(%dt: tensor<2x8xf32>, %A: tensor<2x8xi32>) {
  // expected-error @+1 {{[C2] 'A' must have element type f32, bf16 or f16, got 'i32'}}
  %a = ssm.discretize zoh %dt, %A : tensor<2x8xf32>, tensor<2x8xi32> -> tensor<2x8xf32>
  return
}

// -----

func.func @case4(%dt: tensor<2x8xf32>, %A: tensor<2x8xf32>, %B: tensor<2x8xi8>) {
  // expected-error @+1 {{[C2] 'B' must have element type f32, bf16 or f16, got 'i8'}}
  %a, %b = ssm.discretize zoh %dt, %A, %B : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xi8> -> tensor<2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @case5(%dt: tensor<2x8xbf16>, %A: tensor<2x8xf32>) {
  // expected-error @+1 {{[C3] 'Abar' must have the type of 'dt with f32' ('tensor<2x8xf32>'), got 'tensor<2x8xbf16>'}}
  %a = ssm.discretize euler %dt, %A : tensor<2x8xbf16>, tensor<2x8xf32> -> tensor<2x8xbf16>
  return
}

// -----

func.func @case6(%dt: tensor<2x8xf32>, %A: tensor<2x8xf32>, %B: tensor<2x8xf32>) {
  // expected-error @+1 {{[C4] 'Bbar' must be present exactly when 'B' is}}
  %a = ssm.discretize zoh %dt, %A, %B : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @case7(%dt: tensor<2x8xf32>, %A: tensor<2x8xf32>, %B: tensor<2x8xf32>) {
  // expected-error @+1 {{[C4] 'Bbar' must have the type of 'dt with f32'}}
  %a, %b = ssm.discretize mamba %dt, %A, %B : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32> -> tensor<2x8xf32>, tensor<2x7xf32>
  return
}

// -----

func.func @case8(%a: tensor<4x8xf32>, %b: tensor<4x8xf16>) {
  // expected-error @+1 {{[C1] 'b' must have the type of 'a' ('tensor<4x8xf32>'), got 'tensor<4x8xf16>'}}
  %h, %l = ssm.scan %a, %b dim = 1 : (tensor<4x8xf32>, tensor<4x8xf16>) -> (tensor<4x8xf32>, tensor<4xf32>)
  return
}

// -----

func.func @case9(%a: tensor<4x8xi32>) {
  // expected-error @+1 {{[C2] 'a' must have element type f32, bf16 or f16, got 'i32'}}
  %h, %l = ssm.scan %a, %a dim = 1 : (tensor<4x8xi32>, tensor<4x8xi32>) -> (tensor<4x8xi32>, tensor<4xi32>)
  return
}

// -----

func.func @case10(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{[C3] dim = 2 must be in [0, 2)}}
  %h, %l = ssm.scan %a, %a dim = 2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4xf32>)
  return
}

// -----

func.func @case11(%a: tensor<4x8xf32>, %h0: tensor<8xf32>) {
  // expected-error @+1 {{[C4] 'h0' must have the type of 'a without dim' ('tensor<4xf32>'), got 'tensor<8xf32>'}}
  %h, %l = ssm.scan %a, %a init(%h0) dim = 1 : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4xf32>)
  return
}

// -----

func.func @case12(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{[C5] 'h' must have the type of 'a'}}
  %h, %l = ssm.scan %a, %a dim = 1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> (tensor<4x9xf32>, tensor<4xf32>)
  return
}

// -----

func.func @case13(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{[C6] 'h_last' must have the type of 'a without dim' ('tensor<4xf32>'), got 'tensor<4x1xf32>'}}
  %h, %l = ssm.scan %a, %a dim = 1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x1xf32>)
  return
}

// -----

func.func @case14() {
  // expected-error @+1 {{[C1] needs at least one input}}
  "ssm.associative_scan"() ({
  ^bb0:
    ssm.yield
  }) {dim = 0 : i64} : () -> ()
  return
}

// -----

func.func @case15(%a: tensor<4x8xf32>, %b: tensor<4x9xf32>) {
  // expected-error @+1 {{[C1] 'input #1' must have the shape of 'input #0' ('tensor<4x8xf32>'), got 'tensor<4x9xf32>'}}
  %r:2 = ssm.associative_scan %a, %b dim = 1 : tensor<4x8xf32>, tensor<4x9xf32> -> tensor<4x8xf32>, tensor<4x9xf32> {
  ^bb0(%x0: f32, %x1: f32, %y0: f32, %y1: f32):
    ssm.yield %x0, %x1 : f32, f32
  }
  return
}

// -----

func.func @case16(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{[C2] dim = -1 must be in [0, 2)}}
  %r = ssm.associative_scan %a dim = -1 : tensor<4x8xf32> -> tensor<4x8xf32> {
  ^bb0(%x: f32, %y: f32):
    ssm.yield %x : f32
  }
  return
}

// -----

func.func @case17(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{[C3] the combiner must take 2 arguments, got 3}}
  %r = ssm.associative_scan %a dim = 1 : tensor<4x8xf32> -> tensor<4x8xf32> {
  ^bb0(%x: f32, %y: f32, %w: f32):
    ssm.yield %x : f32
  }
  return
}

// -----

func.func @case18(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{[C3] combiner argument #1 must be 'f32', got 'f16'}}
  %r = ssm.associative_scan %a dim = 1 : tensor<4x8xf32> -> tensor<4x8xf32> {
  ^bb0(%x: f32, %y: f16):
    ssm.yield %x : f32
  }
  return
}

// -----

func.func @case19(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{[C4] the combiner must end with 'ssm.yield'}}
  %r = ssm.associative_scan %a dim = 1 : tensor<4x8xf32> -> tensor<4x8xf32> {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %y : f32
  }
  return
}

// -----

func.func @case20(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{[C4] the combiner must yield 1 values, got 2}}
  %r = ssm.associative_scan %a dim = 1 : tensor<4x8xf32> -> tensor<4x8xf32> {
  ^bb0(%x: f32, %y: f32):
    ssm.yield %x, %y : f32, f32
  }
  return
}

// -----

func.func @case21(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{[C4] yielded value #0 must be 'f32', got 'f64'}}
  %r = ssm.associative_scan %a dim = 1 : tensor<4x8xf32> -> tensor<4x8xf32> {
  ^bb0(%x: f32, %y: f32):
    %e = arith.extf %x : f32 to f64
    ssm.yield %e : f64
  }
  return
}

// -----

func.func @case22(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{[C5] must have 1 results, got 2}}
  %r:2 = ssm.associative_scan %a dim = 1 : tensor<4x8xf32> -> tensor<4x8xf32>, tensor<4x8xf32> {
  ^bb0(%x: f32, %y: f32):
    ssm.yield %x : f32
  }
  return
}

// -----

func.func @case23(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{[C5] 'result #0' must have the type of 'input #0' ('tensor<4x8xf32>'), got 'tensor<4x8xf16>'}}
  %r = ssm.associative_scan %a dim = 1 : tensor<4x8xf32> -> tensor<4x8xf16> {
  ^bb0(%x: f32, %y: f32):
    ssm.yield %x : f32
  }
  return
}

// -----

func.func @case24(%u: tensor<16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xf32>) {
  // expected-error @+1 {{[C1] 'u' must have rank 3 (B, D, L), got 'tensor<16x33xf32>'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<16x33xf32>, tensor<16x33xf32>, tensor<16x4xf32>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xf32>) -> (tensor<16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case25(%u: tensor<2x16x33xf32>, %d: tensor<2x16x32xf32>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xf32>) {
  // expected-error @+1 {{[C1] 'delta' must have the type of 'u'}}
  %y, %h = ssm.selective_scan %u, %d, %A, %B, %B : (tensor<2x16x33xf32>, tensor<2x16x32xf32>, tensor<16x4xf32>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xf32>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case26(%u: tensor<2x16x33xf64>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xf32>) {
  // expected-error @+1 {{[C2] 'u' must have element type f32, bf16 or f16, got 'f64'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<2x16x33xf64>, tensor<2x16x33xf64>, tensor<16x4xf32>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xf32>) -> (tensor<2x16x33xf64>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case27(%u: tensor<2x16x33xf32>, %A: tensor<15x4xf32>, %B: tensor<2x2x4x33xf32>) {
  // expected-error @+1 {{[C3] 'A' must be (D, N) with D = 16 (from 'u'), got 'tensor<15x4xf32>'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<15x4xf32>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xf32>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case28(%u: tensor<2x16x33xf32>, %A: tensor<16x4xbf16>, %B: tensor<2x2x4x33xf32>) {
  // expected-error @+1 {{[C3] 'A' must have element type 'f32', got 'bf16'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xbf16>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xf32>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case29(%u: tensor<2x16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x32xf32>) {
  // expected-error @+1 {{[C4] 'B' must be (B, G, N, L) with L = 33 (from 'u'), got 'tensor<2x2x4x32xf32>'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xf32>, tensor<2x2x4x32xf32>, tensor<2x2x4x32xf32>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case30(%u: tensor<2x16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xi16>) {
  // expected-error @+1 {{[C4] 'B' must have element type f32, bf16 or f16, got 'i16'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xf32>, tensor<2x2x4x33xi16>, tensor<2x2x4x33xi16>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case31(%u: tensor<2x16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xf32>, %C: tensor<2x2x4x33xbf16>) {
  // expected-error @+1 {{[C4] 'C' must have the type of 'B'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %C : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xf32>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xbf16>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case32(%u: tensor<2x16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x0x4x33xf32>) {
  // expected-error @+1 {{[C5] the number of groups G must be >= 1}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xf32>, tensor<2x0x4x33xf32>, tensor<2x0x4x33xf32>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case33(%u: tensor<2x16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x3x4x33xf32>) {
  // expected-error @+1 {{[C5] the number of groups G = 3 must divide D = 16}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xf32>, tensor<2x3x4x33xf32>, tensor<2x3x4x33xf32>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case34(%u: tensor<2x16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xf32>, %D: tensor<8xf32>, %h0: tensor<2x16x4xf32>) {
  // expected-error @+1 {{[C6] 'D' must be (D) with D = 16 (from 'u'), got 'tensor<8xf32>'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B D(%D) : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xf32>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xf32>, tensor<8xf32>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case35(%u: tensor<2x16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xf32>, %D: tensor<16xf32>, %h0: tensor<2x16x4xf32>, %db: tensor<16xf16>) {
  // expected-error @+1 {{[C6] 'delta_bias' must have element type 'f32', got 'f16'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B delta_bias(%db) : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xf32>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xf32>, tensor<16xf16>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case36(%u: tensor<2x16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xf32>, %D: tensor<16xf32>, %h0: tensor<2x16x4xf32>, %z: tensor<2x16x33xbf16>) {
  // expected-error @+1 {{[C7] 'z' must have the type of 'u'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B z(%z) : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xf32>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xf32>, tensor<2x16x33xbf16>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case37(%u: tensor<2x16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xf32>, %D: tensor<16xf32>, %h0: tensor<2x16x5xf32>) {
  // expected-error @+1 {{[C8] 'h0' must be (B, D, N) with N = 4 (from 'A'), got 'tensor<2x16x5xf32>'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B init(%h0) : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xf32>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xf32>, tensor<2x16x5xf32>) -> (tensor<2x16x33xf32>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case38(%u: tensor<2x16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xf32>, %D: tensor<16xf32>, %h0: tensor<2x16x4xf32>) {
  // expected-error @+1 {{[C9] 'y' must have the type of 'u'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xf32>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xf32>) -> (tensor<2x16x33xbf16>, tensor<2x16x4xf32>)
  return
}

// -----

func.func @case39(%u: tensor<2x16x33xf32>, %A: tensor<16x4xf32>, %B: tensor<2x2x4x33xf32>, %D: tensor<16xf32>, %h0: tensor<2x16x4xf32>) {
  // expected-error @+1 {{[C9] 'h_last' must have element type 'f32', got 'bf16'}}
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<2x16x33xf32>, tensor<2x16x33xf32>, tensor<16x4xf32>, tensor<2x2x4x33xf32>, tensor<2x2x4x33xf32>) -> (tensor<2x16x33xf32>, tensor<2x16x4xbf16>)
  return
}

// -----

func.func @case40(%x: tensor<2x10x8xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>) {
  // expected-error @+1 {{[C1] 'x' must have rank 4 (B, L, H, P), got 'tensor<2x10x8xf32>'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B : (tensor<2x10x8xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>) -> (tensor<2x10x8xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case41(%x: tensor<2x10x8x16xi32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>) {
  // expected-error @+1 {{[C1] 'x' must have element type f32, bf16 or f16, got 'i32'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B : (tensor<2x10x8x16xi32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>) -> (tensor<2x10x8x16xi32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case42(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x11x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>) {
  // expected-error @+1 {{[C2] 'dt' must be (B, L, H) with L = 10 (from 'x'), got 'tensor<2x11x8xf32>'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B : (tensor<2x10x8x16xf32>, tensor<2x11x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case43(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xbf16>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>) {
  // expected-error @+1 {{[C2] 'dt' must have element type 'f32' (that of 'x'), got 'bf16'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B : (tensor<2x10x8x16xf32>, tensor<2x10x8xbf16>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case44(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<4xf32>, %B: tensor<2x10x2x4xf32>) {
  // expected-error @+1 {{[C3] 'A' must be (H) with H = 8 (from 'x'), got 'tensor<4xf32>'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<4xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case45(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x4xf32>) {
  // expected-error @+1 {{[C4] 'B' must have rank 4 (B, L, G, N), got 'tensor<2x10x4xf32>'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x4xf32>, tensor<2x10x4xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case46(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>, %C: tensor<2x10x2x5xf32>) {
  // expected-error @+1 {{[C4] 'C' must have the type of 'B'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %C : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x5xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case47(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x3x4xf32>) {
  // expected-error @+1 {{[C5] the number of groups G = 3 must divide H = 8}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x3x4xf32>, tensor<2x10x3x4xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case48(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>, %D: tensor<8x16x1xf32>) {
  // expected-error @+1 {{[C6] 'D' must be (H) or (H, P), got 'tensor<8x16x1xf32>'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B D(%D) : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>, tensor<8x16x1xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case49(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>, %D: tensor<8x15xf32>) {
  // expected-error @+1 {{[C6] 'D' must be (H, P) with P = 16 (from 'x'), got 'tensor<8x15xf32>'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B D(%D) : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>, tensor<8x15xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case50(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>, %b: tensor<8xbf16>) {
  // expected-error @+1 {{[C6] 'dt_bias' must have element type 'f32', got 'bf16'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B dt_bias(%b) : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>, tensor<8xbf16>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case51(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>, %z: tensor<2x10x8x15xf32>) {
  // expected-error @+1 {{[C7] 'z' must have the type of 'x'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B z(%z) : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>, tensor<2x10x8x15xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case52(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>, %h0: tensor<2x8x16x3xf32>) {
  // expected-error @+1 {{[C8] 'h0' must be (B, H, P, N) with N = 4 (from 'B'), got 'tensor<2x8x16x3xf32>'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B init(%h0) : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>, tensor<2x8x16x3xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case53(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>) {
  // expected-error @+1 {{[C9] chunk_size = 0 must be > 0}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B {chunk_size = 0 : i64} : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case_negative_chunk53(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>) {
  // expected-error @+1 {{[C9] chunk_size = -4 must be > 0}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B {chunk_size = -4 : i64} : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case54(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>) {
  // expected-error @+1 {{[C9] dt_min = 5.000000e-01 and dt_max = 2.500000e-01 must satisfy 0 <= dt_min <= dt_max}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B {dt_min = 0.5 : f32, dt_max = 0.25 : f32} : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case55(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>) {
  // expected-error @+1 {{[C10] 'y' must have the type of 'x'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>) -> (tensor<2x10x8x16xbf16>, tensor<2x8x16x4xf32>)
  return
}

// -----

func.func @case56(%x: tensor<2x10x8x16xf32>, %dt: tensor<2x10x8xf32>, %A: tensor<8xf32>, %B: tensor<2x10x2x4xf32>) {
  // expected-error @+1 {{[C10] 'final_state' must be (B, H, P, N) with P = 16 (from 'x'), got 'tensor<2x8x4x16xf32>'}}
  %y, %s = ssm.ssd %x, %dt, %A, %B, %B : (tensor<2x10x8x16xf32>, tensor<2x10x8xf32>, tensor<8xf32>, tensor<2x10x2x4xf32>, tensor<2x10x2x4xf32>) -> (tensor<2x10x8x16xf32>, tensor<2x8x4x16xf32>)
  return
}

// -----

func.func @case57(%x: tensor<f32>) {
  // expected-error @+1 {{[C1] 'x' must have rank >= 1, got 'tensor<f32>'}}
  %s = ssm.segsum %x : tensor<f32> -> tensor<1x1xf32>
  return
}

// -----

func.func @case58(%x: tensor<4xi32>) {
  // expected-error @+1 {{[C1] 'x' must have element type f32, bf16 or f16, got 'i32'}}
  %s = ssm.segsum %x : tensor<4xi32> -> tensor<4x4xi32>
  return
}

// -----

func.func @case59(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{[C2] 'result' must have the type of 'x with its last dimension repeated' ('tensor<2x4x4xf32>'), got 'tensor<2x4xf32>'}}
  %s = ssm.segsum %x : tensor<2x4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @case60(%B: tensor<1x3x16x2x8xbf16>, %x: tensor<1x3x16x4x5xf32>, %cs: tensor<1x4x3x16xf32>) {
  // expected-error @+1 {{[C1] 'B' must have element type 'f32', got 'bf16'}}
  %st = ssm.chunk_state %B, %x, %cs : tensor<1x3x16x2x8xbf16>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x16xf32> -> tensor<1x3x4x5x8xf32>
  return
}

// -----

func.func @case61(%B: tensor<1x3x16x2x8xf32>, %x: tensor<1x3x15x4x5xf32>, %cs: tensor<1x4x3x16xf32>) {
  // expected-error @+1 {{[C1] 'x' must be (b, nc, Q, H, P) with Q = 16 (from 'B'), got 'tensor<1x3x15x4x5xf32>'}}
  %st = ssm.chunk_state %B, %x, %cs : tensor<1x3x16x2x8xf32>, tensor<1x3x15x4x5xf32>, tensor<1x4x3x16xf32> -> tensor<1x3x4x5x8xf32>
  return
}

// -----

func.func @case62(%B: tensor<1x3x16x2x8xf32>, %x: tensor<1x3x16x4x5xf32>, %cs: tensor<1x3x4x16xf32>) {
  // expected-error @+1 {{[C1] 'dA_cumsum' must be (b, H, nc, Q) with H = 4 (from 'x'), got 'tensor<1x3x4x16xf32>'}}
  %st = ssm.chunk_state %B, %x, %cs : tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf32>, tensor<1x3x4x16xf32> -> tensor<1x3x4x5x8xf32>
  return
}

// -----

func.func @case63(%B: tensor<1x3x16x3x8xf32>, %x: tensor<1x3x16x4x5xf32>, %cs: tensor<1x4x3x16xf32>) {
  // expected-error @+1 {{[C2] the number of groups G = 3 must divide H = 4}}
  %st = ssm.chunk_state %B, %x, %cs : tensor<1x3x16x3x8xf32>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x16xf32> -> tensor<1x3x4x5x8xf32>
  return
}

// -----

func.func @case64(%B: tensor<1x3x16x2x8xf32>, %x: tensor<1x3x16x4x5xf32>, %cs: tensor<1x4x3x16xf32>) {
  // expected-error @+1 {{[C3] 'states' must be (b, nc, H, P, N) with N = 8 (from 'B'), got 'tensor<1x3x4x5x7xf32>'}}
  %st = ssm.chunk_state %B, %x, %cs : tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x16xf32> -> tensor<1x3x4x5x7xf32>
  return
}

// -----

func.func @case65(%st: tensor<3x4x5x8xf32>, %dA: tensor<1x4x3xf32>, %h0: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{[C1] 'states' must have rank 5 (b, nc, H, P, N), got 'tensor<3x4x5x8xf32>'}}
  %p, %f = ssm.state_passing %st, %dA : (tensor<3x4x5x8xf32>, tensor<1x4x3xf32>) -> (tensor<1x3x4x5x8xf32>, tensor<1x4x5x8xf32>)
  return
}

// -----

func.func @case66(%st: tensor<1x3x4x5x8xf32>, %dA: tensor<1x4x2xf32>, %h0: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{[C1] 'dA_chunk' must be (b, H, nc) with nc = 3 (from 'states'), got 'tensor<1x4x2xf32>'}}
  %p, %f = ssm.state_passing %st, %dA : (tensor<1x3x4x5x8xf32>, tensor<1x4x2xf32>) -> (tensor<1x3x4x5x8xf32>, tensor<1x4x5x8xf32>)
  return
}

// -----

func.func @case67(%st: tensor<1x3x4x5x8xf32>, %dA: tensor<1x4x3xf32>, %h0: tensor<1x4x6x8xf32>) {
  // expected-error @+1 {{[C2] 'h0' must be (b, H, P, N) with P = 5 (from 'states'), got 'tensor<1x4x6x8xf32>'}}
  %p, %f = ssm.state_passing %st, %dA init(%h0) : (tensor<1x3x4x5x8xf32>, tensor<1x4x3xf32>, tensor<1x4x6x8xf32>) -> (tensor<1x3x4x5x8xf32>, tensor<1x4x5x8xf32>)
  return
}

// -----

func.func @case68(%st: tensor<1x3x4x5x8xf32>, %dA: tensor<1x4x3xf32>, %h0: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{[C3] 'prev_states' must have the type of 'states'}}
  %p, %f = ssm.state_passing %st, %dA : (tensor<1x3x4x5x8xf32>, tensor<1x4x3xf32>) -> (tensor<1x3x4x5x8xbf16>, tensor<1x4x5x8xf32>)
  return
}

// -----

func.func @case69(%st: tensor<1x3x4x5x8xf32>, %dA: tensor<1x4x3xf32>, %h0: tensor<1x4x5x8xf32>) {
  // expected-error @+1 {{[C3] 'final_state' must have rank 4 (b, H, P, N), got 'tensor<1x4x5xf32>'}}
  %p, %f = ssm.state_passing %st, %dA : (tensor<1x3x4x5x8xf32>, tensor<1x4x3xf32>) -> (tensor<1x3x4x5x8xf32>, tensor<1x4x5xf32>)
  return
}

// -----

func.func @case70(%C: tensor<3x16x2x8xf32>, %B: tensor<1x3x16x2x8xf32>, %x: tensor<1x3x16x4x5xf32>, %cs: tensor<1x4x3x16xf32>, %seg: tensor<1x4x3x16x16xf32>, %p: tensor<1x3x4x5x8xf32>) {
  // expected-error @+1 {{[C1] 'C' must have rank 5 (b, nc, Q, G, N), got 'tensor<3x16x2x8xf32>'}}
  %y = ssm.chunk_scan %C, %B, %x, %cs, %seg, %p : tensor<3x16x2x8xf32>, tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x16xf32>, tensor<1x4x3x16x16xf32>, tensor<1x3x4x5x8xf32> -> tensor<1x3x16x4x5xf32>
  return
}

// -----

func.func @case71(%C: tensor<1x3x16x2x8xf32>, %B: tensor<1x3x16x2x9xf32>, %x: tensor<1x3x16x4x5xf32>, %cs: tensor<1x4x3x16xf32>, %seg: tensor<1x4x3x16x16xf32>, %p: tensor<1x3x4x5x8xf32>) {
  // expected-error @+1 {{[C1] 'B' must be (b, nc, Q, G, N) with N = 8 (from 'C'), got 'tensor<1x3x16x2x9xf32>'}}
  %y = ssm.chunk_scan %C, %B, %x, %cs, %seg, %p : tensor<1x3x16x2x8xf32>, tensor<1x3x16x2x9xf32>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x16xf32>, tensor<1x4x3x16x16xf32>, tensor<1x3x4x5x8xf32> -> tensor<1x3x16x4x5xf32>
  return
}

// -----

func.func @case72(%C: tensor<1x3x16x2x8xf32>, %B: tensor<1x3x16x2x8xf32>, %x: tensor<1x3x16x4x5xf16>, %cs: tensor<1x4x3x16xf32>, %seg: tensor<1x4x3x16x16xf32>, %p: tensor<1x3x4x5x8xf32>) {
  // expected-error @+1 {{[C1] 'x' must have element type 'f32', got 'f16'}}
  %y = ssm.chunk_scan %C, %B, %x, %cs, %seg, %p : tensor<1x3x16x2x8xf32>, tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf16>, tensor<1x4x3x16xf32>, tensor<1x4x3x16x16xf32>, tensor<1x3x4x5x8xf32> -> tensor<1x3x16x4x5xf32>
  return
}

// -----

func.func @case73(%C: tensor<1x3x16x2x8xf32>, %B: tensor<1x3x16x2x8xf32>, %x: tensor<1x3x16x3x5xf32>, %cs: tensor<1x4x3x16xf32>, %seg: tensor<1x4x3x16x16xf32>, %p: tensor<1x3x4x5x8xf32>) {
  // expected-error @+1 {{[C2] the number of groups G = 2 must divide H = 3}}
  %y = ssm.chunk_scan %C, %B, %x, %cs, %seg, %p : tensor<1x3x16x2x8xf32>, tensor<1x3x16x2x8xf32>, tensor<1x3x16x3x5xf32>, tensor<1x4x3x16xf32>, tensor<1x4x3x16x16xf32>, tensor<1x3x4x5x8xf32> -> tensor<1x3x16x3x5xf32>
  return
}

// -----

func.func @case74(%C: tensor<1x3x16x2x8xf32>, %B: tensor<1x3x16x2x8xf32>, %x: tensor<1x3x16x4x5xf32>, %cs: tensor<1x4x3x8xf32>, %seg: tensor<1x4x3x16x16xf32>, %p: tensor<1x3x4x5x8xf32>) {
  // expected-error @+1 {{[C3] 'dA_cumsum' must be (b, H, nc, Q) with Q = 16 (from 'C'), got 'tensor<1x4x3x8xf32>'}}
  %y = ssm.chunk_scan %C, %B, %x, %cs, %seg, %p : tensor<1x3x16x2x8xf32>, tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x8xf32>, tensor<1x4x3x16x16xf32>, tensor<1x3x4x5x8xf32> -> tensor<1x3x16x4x5xf32>
  return
}

// -----

func.func @case75(%C: tensor<1x3x16x2x8xf32>, %B: tensor<1x3x16x2x8xf32>, %x: tensor<1x3x16x4x5xf32>, %cs: tensor<1x4x3x16xf32>, %seg: tensor<1x4x3x16x15xf32>, %p: tensor<1x3x4x5x8xf32>) {
  // expected-error @+1 {{[C3] 'segsum' must be (b, H, nc, Q, Q) with Q = 16 (from 'C'), got 'tensor<1x4x3x16x15xf32>'}}
  %y = ssm.chunk_scan %C, %B, %x, %cs, %seg, %p : tensor<1x3x16x2x8xf32>, tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x16xf32>, tensor<1x4x3x16x15xf32>, tensor<1x3x4x5x8xf32> -> tensor<1x3x16x4x5xf32>
  return
}

// -----

func.func @case76(%C: tensor<1x3x16x2x8xf32>, %B: tensor<1x3x16x2x8xf32>, %x: tensor<1x3x16x4x5xf32>, %cs: tensor<1x4x3x16xf32>, %seg: tensor<1x4x3x16x16xf32>, %p: tensor<1x3x4x6x8xf32>) {
  // expected-error @+1 {{[C4] 'prev_states' must be (b, nc, H, P, N) with P = 5 (from 'x'), got 'tensor<1x3x4x6x8xf32>'}}
  %y = ssm.chunk_scan %C, %B, %x, %cs, %seg, %p : tensor<1x3x16x2x8xf32>, tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x16xf32>, tensor<1x4x3x16x16xf32>, tensor<1x3x4x6x8xf32> -> tensor<1x3x16x4x5xf32>
  return
}

// -----

func.func @case77(%C: tensor<1x3x16x2x8xf32>, %B: tensor<1x3x16x2x8xf32>, %x: tensor<1x3x16x4x5xf32>, %cs: tensor<1x4x3x16xf32>, %seg: tensor<1x4x3x16x16xf32>, %p: tensor<1x3x4x5x8xf32>) {
  // expected-error @+1 {{[C5] 'y' must have the type of 'x'}}
  %y = ssm.chunk_scan %C, %B, %x, %cs, %seg, %p : tensor<1x3x16x2x8xf32>, tensor<1x3x16x2x8xf32>, tensor<1x3x16x4x5xf32>, tensor<1x4x3x16xf32>, tensor<1x4x3x16x16xf32>, tensor<1x3x4x5x8xf32> -> tensor<1x3x16x4x6xf32>
  return
}

// -----

func.func @case78(%x: tensor<12x9xbf16>, %w: tensor<12x4xf32>) {
  // expected-error @+1 {{[C1] 'x' must have rank 3 (B, C, L), got 'tensor<12x9xbf16>'}}
  %y, %s = ssm.causal_conv1d %x, %w : (tensor<12x9xbf16>, tensor<12x4xf32>) -> (tensor<12x9xbf16>, tensor<2x12x3xbf16>)
  return
}

// -----

func.func @case79(%x: tensor<2x12x9xi8>, %w: tensor<12x4xf32>) {
  // expected-error @+1 {{[C1] 'x' must have element type f32, bf16 or f16, got 'i8'}}
  %y, %s = ssm.causal_conv1d %x, %w : (tensor<2x12x9xi8>, tensor<12x4xf32>) -> (tensor<2x12x9xi8>, tensor<2x12x3xi8>)
  return
}

// -----

func.func @case80(%x: tensor<2x12x9xbf16>, %w: tensor<11x4xf32>) {
  // expected-error @+1 {{[C2] 'w' must be (C, K) with C = 12 (from 'x'), got 'tensor<11x4xf32>'}}
  %y, %s = ssm.causal_conv1d %x, %w : (tensor<2x12x9xbf16>, tensor<11x4xf32>) -> (tensor<2x12x9xbf16>, tensor<2x12x3xbf16>)
  return
}

// -----

func.func @case81(%x: tensor<2x12x9xbf16>, %w: tensor<12x4xi32>) {
  // expected-error @+1 {{[C2] 'w' must have a float element type, got 'i32'}}
  %y, %s = ssm.causal_conv1d %x, %w : (tensor<2x12x9xbf16>, tensor<12x4xi32>) -> (tensor<2x12x9xbf16>, tensor<2x12x3xbf16>)
  return
}

// -----

func.func @case82(%x: tensor<2x12x9xbf16>, %w: tensor<12x0xf32>) {
  // expected-error @+1 {{[C2] the kernel width K must be >= 1}}
  %y, %s = ssm.causal_conv1d %x, %w : (tensor<2x12x9xbf16>, tensor<12x0xf32>) -> (tensor<2x12x9xbf16>, tensor<2x12x0xbf16>)
  return
}

// -----

func.func @case83(%x: tensor<2x12x9xbf16>, %w: tensor<12x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{[C3] 'bias' must be (C) with C = 12 (from 'x'), got 'tensor<4xf32>'}}
  %y, %s = ssm.causal_conv1d %x, %w bias(%b) : (tensor<2x12x9xbf16>, tensor<12x4xf32>, tensor<4xf32>) -> (tensor<2x12x9xbf16>, tensor<2x12x3xbf16>)
  return
}

// -----

func.func @case84(%x: tensor<2x12x9xbf16>, %w: tensor<12x4xf32>, %b: tensor<12xi32>) {
  // expected-error @+1 {{[C3] 'bias' must have a float element type, got 'i32'}}
  %y, %s = ssm.causal_conv1d %x, %w bias(%b) : (tensor<2x12x9xbf16>, tensor<12x4xf32>, tensor<12xi32>) -> (tensor<2x12x9xbf16>, tensor<2x12x3xbf16>)
  return
}

// -----

func.func @case85(%x: tensor<2x12x9xbf16>, %w: tensor<12x4xf32>, %s0: tensor<2x12x4xbf16>) {
  // expected-error @+1 {{[C4] 'state' must be (B, C, K-1) with K-1 = 3 (from 'w'), got 'tensor<2x12x4xbf16>'}}
  %y, %s = ssm.causal_conv1d %x, %w init(%s0) : (tensor<2x12x9xbf16>, tensor<12x4xf32>, tensor<2x12x4xbf16>) -> (tensor<2x12x9xbf16>, tensor<2x12x3xbf16>)
  return
}

// -----

func.func @case86(%x: tensor<2x12x9xbf16>, %w: tensor<12x4xf32>, %s0: tensor<2x12x3xf32>) {
  // expected-error @+1 {{[C4] 'state' must have element type 'bf16' (that of 'x'), got 'f32'}}
  %y, %s = ssm.causal_conv1d %x, %w init(%s0) : (tensor<2x12x9xbf16>, tensor<12x4xf32>, tensor<2x12x3xf32>) -> (tensor<2x12x9xbf16>, tensor<2x12x3xbf16>)
  return
}

// -----

func.func @case87(%x: tensor<2x12x9xbf16>, %w: tensor<12x4xf32>) {
  // expected-error @+1 {{[C5] 'y' must have the type of 'x'}}
  %y, %s = ssm.causal_conv1d %x, %w : (tensor<2x12x9xbf16>, tensor<12x4xf32>) -> (tensor<2x12x9xf32>, tensor<2x12x3xbf16>)
  return
}

// -----

func.func @case88(%x: tensor<2x12x9xbf16>, %w: tensor<12x4xf32>) {
  // expected-error @+1 {{[C5] 'final_state' must be (B, C, K-1) with K-1 = 3 (from 'w'), got 'tensor<2x12x4xbf16>'}}
  %y, %s = ssm.causal_conv1d %x, %w : (tensor<2x12x9xbf16>, tensor<12x4xf32>) -> (tensor<2x12x9xbf16>, tensor<2x12x4xbf16>)
  return
}

// -----

func.func @case89(%x: tensor<2x12x9xbf16>, %w: tensor<12x4xf32>) {
  // expected-error @+1 {{[C5] 'final_state' must have element type 'bf16' (that of 'x'), got 'f32'}}
  %y, %s = ssm.causal_conv1d %x, %w : (tensor<2x12x9xbf16>, tensor<12x4xf32>) -> (tensor<2x12x9xbf16>, tensor<2x12x3xf32>)
  return
}

// -----

func.func @case90(%x: tensor<bf16>, %w: tensor<64xf32>) {
  // expected-error @+1 {{[C1] 'x' must have rank >= 1, got 'tensor<bf16>'}}
  %y = ssm.gated_rms_norm %x, %w : (tensor<bf16>, tensor<64xf32>) -> tensor<bf16>
  return
}

// -----

func.func @case91(%x: tensor<2x5x64xi32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{[C1] 'x' must have element type f32, bf16 or f16, got 'i32'}}
  %y = ssm.gated_rms_norm %x, %w : (tensor<2x5x64xi32>, tensor<64xf32>) -> tensor<2x5x64xi32>
  return
}

// -----

func.func @case92(%x: tensor<2x5x64xbf16>, %w: tensor<32xf32>) {
  // expected-error @+1 {{[C2] 'w' must be (D) with D = 64 (from 'x'), got 'tensor<32xf32>'}}
  %y = ssm.gated_rms_norm %x, %w : (tensor<2x5x64xbf16>, tensor<32xf32>) -> tensor<2x5x64xbf16>
  return
}

// -----

func.func @case93(%x: tensor<2x5x64xbf16>, %w: tensor<64xi32>) {
  // expected-error @+1 {{[C2] 'w' must have a float element type, got 'i32'}}
  %y = ssm.gated_rms_norm %x, %w : (tensor<2x5x64xbf16>, tensor<64xi32>) -> tensor<2x5x64xbf16>
  return
}

// -----

func.func @case94(%x: tensor<2x5x64xbf16>, %w: tensor<64xf32>, %z: tensor<2x5x64xf32>) {
  // expected-error @+1 {{[C3] 'z' must have the type of 'x'}}
  %y = ssm.gated_rms_norm %x, %w gate(%z) : (tensor<2x5x64xbf16>, tensor<64xf32>, tensor<2x5x64xf32>) -> tensor<2x5x64xbf16>
  return
}

// -----

func.func @case95(%x: tensor<2x5x64xbf16>, %w: tensor<64xf32>) {
  // expected-error @+1 {{[C4] group_size = -1 must be >= 0}}
  %y = ssm.gated_rms_norm %x, %w {group_size = -1 : i64} : (tensor<2x5x64xbf16>, tensor<64xf32>) -> tensor<2x5x64xbf16>
  return
}

// -----

func.func @case96(%x: tensor<2x5x64xbf16>, %w: tensor<64xf32>) {
  // expected-error @+1 {{[C4] group_size = 24 must divide D = 64}}
  %y = ssm.gated_rms_norm %x, %w {group_size = 24 : i64} : (tensor<2x5x64xbf16>, tensor<64xf32>) -> tensor<2x5x64xbf16>
  return
}

// -----

func.func @case97(%x: tensor<2x5x64xbf16>, %w: tensor<64xf32>) {
  // expected-error @+1 {{[C5] eps = 0.000000e+00 must be > 0}}
  %y = ssm.gated_rms_norm %x, %w {eps = 0.0 : f32} : (tensor<2x5x64xbf16>, tensor<64xf32>) -> tensor<2x5x64xbf16>
  return
}

// -----

func.func @case98(%x: tensor<2x5x64xbf16>, %w: tensor<64xf32>) {
  // expected-error @+1 {{[C6] 'y' must have the type of 'x'}}
  %y = ssm.gated_rms_norm %x, %w : (tensor<2x5x64xbf16>, tensor<64xf32>) -> tensor<2x5x64xf32>
  return
}
