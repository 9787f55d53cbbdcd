#!/usr/bin/env python3
"""Inputs for docs/examples/mamba-mixer.mlir, and a check of ssm-run's outputs against the
NumPy reference (python/ssm_reference).

  demo_mixer.py inputs DIR [--batch B] [--length L]   write DIR/input_K.pb
  demo_mixer.py check DIR                            compare DIR/output_K.pb with the reference
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
from ssm_reference import ops  # noqa: E402
from ssm_reference.tensor_pb import read_tensor, write_tensor  # noqa: E402

CHANNELS, STATE, WIDTH = 64, 16, 4


def make_inputs(batch: int, length: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    f32 = np.float32
    return [
        rng.standard_normal((batch, CHANNELS, length)).astype(f32),             # x
        rng.standard_normal((batch, CHANNELS, length)).astype(f32),             # z
        (0.5 * rng.standard_normal((CHANNELS, WIDTH))).astype(f32),             # conv_weight
        (0.1 * rng.standard_normal(CHANNELS)).astype(f32),                      # conv_bias
        rng.standard_normal((batch, CHANNELS, length)).astype(f32),             # delta
        -np.exp(rng.standard_normal((CHANNELS, STATE))).astype(f32),            # A
        rng.standard_normal((batch, 1, STATE, length)).astype(f32),             # B
        rng.standard_normal((batch, 1, STATE, length)).astype(f32),             # C
        rng.standard_normal(CHANNELS).astype(f32),                              # D
        (0.5 * rng.standard_normal(CHANNELS) - 2.0).astype(f32),                # dt_bias
    ]


def reference(inputs: list[np.ndarray]) -> list[np.ndarray]:
    x, z, w, b, delta, a, bm, cm, d, bias = inputs
    u, conv_state = ops.causal_conv1d(x, w, bias=b, activation="silu")
    y, state = ops.selective_scan(u, delta, a, bm, cm, D=d, z=z, delta_bias=bias,
                                  delta_softplus=True)
    return [y, state, conv_state]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["inputs", "check"])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--length", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.mode == "inputs":
        args.dir.mkdir(parents=True, exist_ok=True)
        for i, array in enumerate(make_inputs(args.batch, args.length, args.seed)):
            write_tensor(args.dir / f"input_{i}.pb", array)
        return 0
    inputs = [read_tensor(args.dir / f"input_{i}.pb").array for i in range(10)]
    worst = 0.0
    for i, (name, ref) in enumerate(zip(["y", "ssm_state", "conv_state"], reference(inputs))):
        got = read_tensor(args.dir / f"output_{i}.pb").array.astype(np.float64)
        err = np.linalg.norm(got - ref) / np.linalg.norm(ref)
        worst = max(worst, err)
        print(f"  {name:10} {str(got.shape):16} relative L2 error vs NumPy: {err:.2e}")
    return 0 if worst < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
