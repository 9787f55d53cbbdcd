#!/usr/bin/env python3
"""Inputs, checks and the report of the CPU selective-scan benchmark.

Subcommands (run_selective_scan.sh drives them):

``gen DIR``
    Writes random Mamba-like inputs of ``ssm.selective_scan`` (with D, z, delta_bias and
    delta_softplus) to ``DIR/input_K.pb`` in the operand order u, delta, A, B, C, D, z,
    delta_bias, and the float64 reference outputs (``y``, ``h_last``, stored as f32) to
    ``DIR/ref/output_0.pb`` and ``DIR/ref/output_1.pb``.
``check OUT_DIR REF_DIR``
    Compares ``OUT_DIR/output_K.pb`` (as written by ``ssm-run --outputs``) with the reference.
``report``
    Prints the table of timings and writes them, with the machine, to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))

from ssm_reference import ops  # noqa: E402
from ssm_reference.tensor_pb import read_tensor, to_bf16, write_tensor  # noqa: E402

# Largest accepted max|out - ref| / max|ref| per activation dtype.
TOLERANCE = {"f32": 1e-4, "bf16": 2e-2}


def make_inputs(rng, batch, dim, state, length, groups, dtype):
    """Inputs shaped like a Mamba-1 layer's (A = -exp(A_log), dt bias for dt in [1e-3, 1e-1])."""

    def act(shape, scale=1.0):
        x = (rng.standard_normal(shape) * scale).astype(np.float32)
        return to_bf16(x) if dtype == "bf16" else x

    dt_init = np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), dim))
    return {
        "u": act((batch, dim, length)),
        "delta": act((batch, dim, length), 0.5),
        "A": -np.exp(rng.uniform(0.0, np.log(state), (dim, state))).astype(np.float32),
        "B": act((batch, groups, state, length)),
        "C": act((batch, groups, state, length)),
        "D": np.ones(dim, np.float32),
        "z": act((batch, dim, length)),
        # The inverse of softplus, as Mamba initialises dt_proj.bias.
        "delta_bias": (dt_init + np.log(-np.expm1(-dt_init))).astype(np.float32),
    }


def gen(args):
    rng = np.random.default_rng(args.seed)
    vals = make_inputs(rng, *args.shape, args.groups, args.dtype)
    os.makedirs(os.path.join(args.dir, "ref"), exist_ok=True)
    for k, name in enumerate(vals):
        dtype = args.dtype if name in ("u", "delta", "B", "C", "z") else "f32"
        write_tensor(os.path.join(args.dir, f"input_{k}.pb"), vals[name], dtype=dtype)
    if args.no_reference:
        return
    y, h = ops.selective_scan(vals["u"], vals["delta"], vals["A"], vals["B"], vals["C"],
                              D=vals["D"], z=vals["z"], delta_bias=vals["delta_bias"],
                              delta_softplus=True)
    write_tensor(os.path.join(args.dir, "ref", "output_0.pb"), y.astype(np.float32))
    write_tensor(os.path.join(args.dir, "ref", "output_1.pb"), h.astype(np.float32))


def relative_error(out, ref):
    out, ref = np.asarray(out, np.float64), np.asarray(ref, np.float64)
    if out.shape != ref.shape:
        return float("inf")
    scale = np.max(np.abs(ref)) if ref.size else 0.0
    err = np.max(np.abs(out - ref)) if ref.size else 0.0
    return float(err / scale) if scale > 0 else float(err)


def check(args):
    limit = TOLERANCE[args.dtype]
    ok, errors = True, []
    for k, name in enumerate(("y", "h_last")):
        out = read_tensor(os.path.join(args.out_dir, f"output_{k}.pb")).array
        ref = read_tensor(os.path.join(args.ref_dir, f"output_{k}.pb")).array
        err = relative_error(out, ref)
        ok = ok and np.isfinite(err) and err <= limit
        errors.append(f"{name} rel err {err:.2e}")
    print(f"check: {', '.join(errors)} (limit {limit:.0e}): {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


def cpu_model():
    try:
        with open("/proc/cpuinfo") as stream:
            for line in stream:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average():
    try:
        with open("/proc/loadavg") as stream:
            return float(stream.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def report(args):
    batch, dim, state, length = args.shape
    rows = []
    for spec in args.row:
        name, values = spec.rsplit("=", 1)
        rounds = [float(v) for v in values.split(",")]
        rows.append({"name": name, "median_ms": float(np.median(rounds)),
                     "round_medians_ms": rounds})
    ours = next((r["median_ms"] for r in rows if r["name"] == args.ours), None)
    for r in rows:
        seconds = r["median_ms"] / 1e3
        r["mtok_per_s"] = batch * length / seconds / 1e6
        r["state_updates_per_s"] = batch * dim * state * length / seconds
        r["time_vs_ours"] = r["median_ms"] / ours if ours else None

    threads = os.cpu_count()
    load = [args.load_before, load_average()]
    width = max(len(r["name"]) for r in rows)
    print(f"\nselective_scan B={batch} D={dim} N={state} L={length} G=1 (D, z, delta_bias, "
          f"softplus); {threads} threads; {cpu_model()}; {len(rows[0]['round_medians_ms'])} "
          f"round(s) of {args.runs} runs")
    print(f"{'':{width}}  {'median ms':>10}  {'Mtok/s':>8}  {'updates/s':>9}  {'time/ours':>9}")
    for r in rows:
        ratio = f"{r['time_vs_ours']:.2f}x" if r["time_vs_ours"] else "-"
        print(f"{r['name']:{width}}  {r['median_ms']:10.2f}  {r['mtok_per_s']:8.4f}  "
              f"{r['state_updates_per_s']:9.3g}  {ratio:>9}")
    print(f"Mtok/s = B*L/time; updates/s = B*D*N*L/time; time/ours = time / time of "
          f"'{args.ours}' (> 1: slower than ours). Load average before/after: "
          f"{load[0]} / {load[1]}")
    if args.load_before is not None and args.load_before > 0.5:
        # Only the load before counts: the benchmark itself keeps every core busy.
        print("warning: the machine was busy before the runs; the times are noisy (use "
              "ROUNDS=3 or more, or a quiet machine)")

    result = {
        "benchmark": "ssm.selective_scan (D, z, delta_bias, delta_softplus), CPU",
        "shape": {"B": batch, "D": dim, "N": state, "L": length, "G": 1},
        "runs_per_round": args.runs,
        "machine": {"cpu_model": cpu_model(), "threads": threads,
                    "platform": platform.platform(), "load_average_before_after": load},
        "ours": args.ours,
        "results": rows,
    }
    with open(args.json, "w") as stream:
        json.dump(result, stream, indent=2)
        stream.write("\n")
    print(f"wrote {args.json}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("gen", help="write inputs and reference outputs")
    p.add_argument("dir")
    p.add_argument("--shape", type=int, nargs=4, metavar=("B", "D", "N", "L"),
                   default=[1, 1536, 16, 2048])
    p.add_argument("--groups", type=int, default=1)
    p.add_argument("--dtype", choices=sorted(TOLERANCE), default="f32")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-reference", action="store_true",
                   help="skip the float64 reference (slow at large shapes)")

    p = sub.add_parser("check", help="compare ssm-run outputs with the reference")
    p.add_argument("out_dir")
    p.add_argument("ref_dir")
    p.add_argument("--dtype", choices=sorted(TOLERANCE), default="f32")

    p = sub.add_parser("report", help="print the table and write the JSON file")
    p.add_argument("--shape", type=int, nargs=4, metavar=("B", "D", "N", "L"), required=True)
    p.add_argument("--row", action="append", required=True, metavar="NAME=MS[,MS...]",
                   help="a row and its median time in each round")
    p.add_argument("--ours", required=True, help="the row the others are compared with")
    p.add_argument("--runs", type=int, required=True, help="timed runs per round")
    p.add_argument("--load-before", type=float, help="the load average before the runs")
    p.add_argument("--json", required=True)

    args = parser.parse_args()
    if args.command == "gen":
        gen(args)
        return 0
    return check(args) if args.command == "check" else report(args)


if __name__ == "__main__":
    sys.exit(main())
