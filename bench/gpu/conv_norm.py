#!/usr/bin/env python3
"""Inputs, check and byte counts of the GPU conv and norm benchmark (bench/gpu/run_conv_norm.sh).

``gen OP DIR --batch B --length L``
    Writes random bf16 inputs of ``conv`` (bench/gpu/causal_conv_bf16.mlir) or ``norm``
    (bench/gpu/gated_norm_bf16.mlir) to ``DIR/input_K.pb``, and the float64 reference output to
    ``DIR/ref/output_0.pb``.
``check OUT_DIR REF_DIR``
    Compares ``ssm-run``'s output with the reference (max |out - ref| / max |ref|).
``bytes OP --batch B --length L``
    Prints the bytes the op must move: the activations read and written once (weights are
    negligible and not counted).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))

from ssm_reference import ops  # noqa: E402
from ssm_reference.tensor_pb import read_tensor, to_bf16, write_tensor  # noqa: E402

DIM, WIDTH = 5120, 4
TOLERANCE = 2e-2  # bf16 outputs: max-norm relative error


def act(rng, shape):
    return to_bf16(rng.standard_normal(shape).astype(np.float32))


def gen(args):
    rng = np.random.default_rng(args.seed)
    b, l = args.batch, args.length
    if args.op == "conv":
        inputs = [(act(rng, (b, DIM, l)), "bf16"),
                  ((rng.standard_normal((DIM, WIDTH)) * 0.5).astype(np.float32), "f32"),
                  ((rng.standard_normal(DIM) * 0.1).astype(np.float32), "f32")]
    else:
        inputs = [(act(rng, (b, l, DIM)), "bf16"),
                  (rng.uniform(0.5, 1.5, DIM).astype(np.float32), "f32"),
                  (act(rng, (b, l, DIM)), "bf16")]
    for k, (array, dtype) in enumerate(inputs):
        write_tensor(os.path.join(args.dir, f"input_{k}.pb"), array, dtype=dtype)
    if args.op == "conv":
        ref, _ = ops.causal_conv1d(inputs[0][0], inputs[1][0], inputs[2][0], activation="silu")
    else:
        ref = ops.gated_rms_norm(inputs[0][0], inputs[1][0], inputs[2][0])
    os.makedirs(os.path.join(args.dir, "ref"), exist_ok=True)
    write_tensor(os.path.join(args.dir, "ref", "output_0.pb"), ref.astype(np.float32))
    return 0


def check(args):
    out = read_tensor(os.path.join(args.out_dir, "output_0.pb")).array.astype(np.float64)
    ref = read_tensor(os.path.join(args.ref_dir, "output_0.pb")).array.astype(np.float64)
    err = (float(np.max(np.abs(out - ref)) / np.max(np.abs(ref)))
           if out.shape == ref.shape else float("inf"))
    ok = bool(np.isfinite(err) and err <= TOLERANCE)
    print(f"check: rel err {err:.2e} (limit {TOLERANCE:.0e}): {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


def minimum_bytes(op, batch, length):
    elements = batch * length * DIM
    return elements * 2 * (2 if op == "conv" else 3)  # x (and z) read, y written, bf16


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("gen")
    p.add_argument("op", choices=["conv", "norm"])
    p.add_argument("dir")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--length", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("check")
    p.add_argument("out_dir")
    p.add_argument("ref_dir")
    p = sub.add_parser("bytes")
    p.add_argument("op", choices=["conv", "norm"])
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--length", type=int, required=True)
    args = parser.parse_args()
    if args.command == "gen":
        return gen(args)
    if args.command == "check":
        return check(args)
    print(minimum_bytes(args.op, args.batch, args.length))
    return 0


if __name__ == "__main__":
    sys.exit(main())
