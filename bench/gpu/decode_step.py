#!/usr/bin/env python3
"""Inputs, check and figures of the GPU decode-step benchmark (bench/gpu/decode_step_bf16.mlir).

``gen DIR --batch B``
    Writes random inputs shaped like a Mamba-1 layer's at one token (D = 5120, N = 16, conv
    width 4) to ``DIR/input_K.pb``, and with ``--reference`` the float64 reference outputs to
    ``DIR/ref/output_K.pb``.
``check OUT_DIR REF_DIR``
    Compares ``ssm-run``'s outputs with the reference (max |out - ref| / max |ref| per output).
``bytes --batch B``
    Prints the bytes one step must move at the least: the SSM and conv states read and
    written, the per-token activations, and the per-channel weights read once.
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

DIM, STATE, WIDTH = 5120, 16, 4
TOLERANCE = 2e-2  # bf16 activations: max-norm relative error


def make_inputs(rng, batch):
    def act(shape, scale=1.0):
        return to_bf16((rng.standard_normal(shape) * scale).astype(np.float32))

    dt_init = np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), DIM))
    return [
        ("x", act((batch, DIM, 1)), "bf16"),
        ("conv_state", act((batch, DIM, WIDTH - 1)), "bf16"),
        ("w", (rng.standard_normal((DIM, WIDTH)) * 0.5).astype(np.float32), "f32"),
        ("conv_bias", (rng.standard_normal(DIM) * 0.1).astype(np.float32), "f32"),
        ("delta", act((batch, DIM, 1), 0.5), "bf16"),
        ("A", -np.exp(rng.uniform(0.0, np.log(STATE), (DIM, STATE))).astype(np.float32), "f32"),
        ("B", act((batch, 1, STATE, 1)), "bf16"),
        ("C", act((batch, 1, STATE, 1)), "bf16"),
        ("D", np.ones(DIM, np.float32), "f32"),
        ("z", act((batch, DIM, 1)), "bf16"),
        ("delta_bias", (dt_init + np.log(-np.expm1(-dt_init))).astype(np.float32), "f32"),
        ("h", rng.standard_normal((batch, DIM, STATE)).astype(np.float32), "f32"),
    ]


def gen(args):
    rng = np.random.default_rng(args.seed)
    inputs = make_inputs(rng, args.batch)
    for k, (_, array, dtype) in enumerate(inputs):
        write_tensor(os.path.join(args.dir, f"input_{k}.pb"), array, dtype=dtype)
    if not args.reference:
        return 0
    v = {name: array for name, array, _ in inputs}
    xc, state = ops.causal_conv1d(v["x"], v["w"], v["conv_bias"], v["conv_state"], "silu")
    # The step rounds the conv output to bf16 before the scan reads it.
    xc = to_bf16(xc.astype(np.float32))
    y, h = ops.selective_scan(xc, v["delta"], v["A"], v["B"], v["C"], D=v["D"], z=v["z"],
                              delta_bias=v["delta_bias"], h0=v["h"], delta_softplus=True)
    os.makedirs(os.path.join(args.dir, "ref"), exist_ok=True)
    for k, out in enumerate((y, state, h)):
        write_tensor(os.path.join(args.dir, "ref", f"output_{k}.pb"), out.astype(np.float32))
    return 0


def check(args):
    ok, errors = True, []
    for k, name in enumerate(("y", "conv_state", "h")):
        out = read_tensor(os.path.join(args.out_dir, f"output_{k}.pb")).array.astype(np.float64)
        ref = read_tensor(os.path.join(args.ref_dir, f"output_{k}.pb")).array.astype(np.float64)
        err = (float(np.max(np.abs(out - ref)) / np.max(np.abs(ref)))
               if out.shape == ref.shape else float("inf"))
        ok = ok and np.isfinite(err) and err <= TOLERANCE
        errors.append(f"{name} {err:.2e}")
    print(f"check: rel err {', '.join(errors)} (limit {TOLERANCE:.0e}): "
          f"{'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


def minimum_bytes(batch):
    states = batch * DIM * (STATE * 4 + (WIDTH - 1) * 2) * 2  # read and written
    activations = batch * DIM * 2 * 4 + batch * STATE * 2 * 2  # x, delta, z, y; B, C
    weights = DIM * (STATE + WIDTH + 3) * 4  # A, w, conv_bias, D, delta_bias
    return states + activations + weights


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("gen")
    p.add_argument("dir")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--reference", action="store_true")
    p = sub.add_parser("check")
    p.add_argument("out_dir")
    p.add_argument("ref_dir")
    p = sub.add_parser("bytes")
    p.add_argument("--batch", type=int, required=True)
    args = parser.parse_args()
    if args.command == "gen":
        return gen(args)
    if args.command == "check":
        return check(args)
    print(minimum_bytes(args.batch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
