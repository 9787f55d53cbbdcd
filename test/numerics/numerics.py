#!/usr/bin/env python3
"""Numerics of every ssm and lm op on the CPU, against the NumPy references.

For each family (families.py) the op is compiled once with ssm-compile (all dimensions dynamic)
and run with ssm-run on fresh random shapes and inputs; every buffer the compiled code allocates
is poisoned with NaN first (SSM_POISON=1), so an unwritten output element fails. Runs alternate
between the x86-64-v3 and the generic x86-64 host code and vary the thread count. Families with
an initial state also check continuity: a run over L equals two runs over L1 + L2 with the state
carried. The seed is printed; pass --seed to replay a run.

Tolerances, on the relative L2 error ||out - ref|| / ||ref|| against a float64 reference on the
same (rounded) inputs:
  f32 outputs:  1e-5 (all arithmetic is f32; the polynomial exp/log1p are within a few ulp)
  bf16 outputs: 2^-7 ~ 7.8e-3, twice the unit roundoff 2^-8 of the final rounding to bf16
  f16 outputs:  2^-10 ~ 9.8e-4, twice the unit roundoff 2^-11 of the final rounding to f16
(inputs are rounded before the reference sees them, so the only bf16/f16 error is the
rounding of the result). Where the reference lies among the subnormals of the output type
(silu of a large negative f16 input), rounding it loses more than the unit roundoff; the bound
is then twice the error of the reference itself rounded to the output type. The split run is held to the same bound as its output: where the
state is carried across a chunk boundary the f32 sums are reordered, and a bf16/f16 output may
then round one ulp apart from the one-shot run.
"""

from __future__ import annotations

import argparse
import collections
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from families import Family, all_families, mlir_module  # noqa: E402
from ssm_reference.tensor_pb import read_tensor, to_bf16, write_tensor  # noqa: E402

TOLERANCE = {"f32": 1e-5, "bf16": 2.0**-7, "f16": 2.0**-10}


def relative_error(got: np.ndarray, ref: np.ndarray) -> float:
    """||got - ref|| / ||ref|| over the finite reference values; infinite when the shapes
    differ or when a non-finite reference value (NaN, -inf of a segment sum or of a fully
    masked attention row) is not matched exactly."""
    got = got.astype(np.float64)
    if got.shape != ref.shape:
        return float("inf")
    finite = np.isfinite(ref)
    special_ok = np.array_equal(got[~finite], ref[~finite], equal_nan=True)
    if not special_ok or not np.all(np.isfinite(got[finite])):
        return float("inf")
    diff = np.linalg.norm(got[finite] - ref[finite])
    norm = np.linalg.norm(ref[finite])
    return float(diff / norm) if norm > 0 else float(diff)


def rounded(ref: np.ndarray, dtype: str) -> np.ndarray:
    """The reference rounded to the output type, as float64."""
    if dtype == "bf16":
        return to_bf16(ref).astype(np.float64)
    return ref.astype({"f32": np.float32, "f16": np.float16}[dtype]).astype(np.float64)


def bound(ref: np.ndarray, dtype: str) -> float:
    """The tolerance of an output of this type: the type's tolerance, or twice the error of
    the correctly rounded reference where that is larger (subnormal results)."""
    with np.errstate(over="ignore", invalid="ignore"):
        floor = relative_error(rounded(ref, dtype), ref)
    # A reference beyond the type's range rounds to inf: that output is held to the type's
    # tolerance (and fails unless it matches), never to an infinite bound.
    return max(TOLERANCE[dtype], 2.0 * floor) if np.isfinite(floor) else TOLERANCE[dtype]


def artifact_name(family: Family) -> str:
    return family.name.replace("/", "_") + ".ssmx"


class Runner:
    def __init__(self, tools: Path, work: Path, target: str, artifacts: Path | None,
                 flags: list[str], wrapper: list[str]):
        self.compile = tools / "ssm-compile"
        self.run = tools / "ssm-run"
        self.work = work
        self.target = target
        self.artifacts = artifacts
        self.flags = flags
        self.wrapper = wrapper
        self.runs = 0

    def compile_family(self, family: Family, out_dir: Path | None = None) -> Path:
        if self.artifacts is not None:
            return self.artifacts / artifact_name(family)
        stem = family.name.replace("/", "_")
        source = self.work / f"{stem}.mlir"
        source.write_text(mlir_module(family))
        artifact = (out_dir or self.work) / artifact_name(family)
        proc = subprocess.run([str(self.compile), str(source), "-o", str(artifact),
                               f"--target={self.target}", *family.compile_flags, *self.flags],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"ssm-compile failed for {family.name}:\n{proc.stderr}")
        return artifact

    def execute(self, family: Family, artifact: Path, inputs: list[np.ndarray]) -> list:
        self.runs += 1
        case = self.work / f"case{self.runs}"
        (case / "in").mkdir(parents=True)
        (case / "out").mkdir()
        for i, (array, (_, dtype, _)) in enumerate(zip(inputs, family.inputs)):
            write_tensor(case / "in" / f"input_{i}.pb", array,
                         dtype="bool" if dtype == "i1" else dtype)
        env = dict(os.environ, SSM_POISON="1", SSM_NUM_THREADS=str(1 + self.runs % 3))
        if self.runs % 2:
            env["SSM_CPU_BASELINE"] = "x86-64"
        proc = subprocess.run([*self.wrapper, str(self.run), str(artifact), "--inputs",
                               str(case / "in"),
                               "--outputs", str(case / "out")], capture_output=True, text=True,
                              env=env)
        if proc.returncode != 0:
            report = "\n".join(p.strip() for p in (proc.stderr, proc.stdout[-4000:]) if p.strip())
            raise RuntimeError(f"ssm-run failed for {family.name}: {report}")
        return [read_tensor(case / "out" / f"output_{i}.pb").array
                for i in range(len(family.results))]


SKIPPED = 77  # ctest's SKIP_RETURN_CODE


def gpu_available(runner: Runner, family: Family) -> bool:
    """Whether the runtime finds a usable GPU: it fails to load a GPU artifact otherwise."""
    artifact = runner.compile_family(family)
    proc = subprocess.run([str(runner.run), str(artifact), "--describe"], capture_output=True,
                          text=True)
    if proc.returncode == 0:
        return True
    reason = proc.stderr.strip()
    if "CUDA driver" in reason or "no CUDA device" in reason:
        print(f"numerics: skipped, no GPU here ({reason})")
        return False
    raise RuntimeError(f"cannot load a GPU artifact: {reason}")


def split_check(runner, family, artifact, inputs, outputs) -> float:
    """Runs the first L1 steps, then the rest with the carried state; returns the worst error
    of the concatenated outputs against the one-shot run."""
    _, out_axis, sequence_inputs, (state_input, state_output) = family.split
    length = inputs[sequence_inputs[0][0]].shape[sequence_inputs[0][1]]
    if length < 2:
        return None
    cut = length // 2
    first, second = list(inputs), list(inputs)
    for index, axis in sequence_inputs:
        first[index] = np.take(inputs[index], range(cut), axis=axis)
        second[index] = np.take(inputs[index], range(cut, length), axis=axis)
    a = runner.execute(family, artifact, first)
    second[state_input] = a[state_output]
    b = runner.execute(family, artifact, second)
    joined = np.concatenate([a[0], b[0]], axis=out_axis)
    return max(relative_error(joined, outputs[0].astype(np.float64)),
               relative_error(b[state_output], outputs[state_output].astype(np.float64)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, help="a build directory (its bin/ holds the "
                        "tools); or give --tools")
    parser.add_argument("--tools", type=Path, help="the directory of ssm-compile and ssm-run")
    parser.add_argument("--target", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--compile-to", type=Path,
                        help="only compile every family's artifact into this directory (for a "
                        "GPU machine without MLIR)")
    parser.add_argument("--artifacts", type=Path,
                        help="run artifacts compiled earlier with --compile-to")
    parser.add_argument("--compile-flag", action="append", default=[], metavar="FLAG",
                        help="one more ssm-compile flag for every family (repeatable), e.g. "
                        "--compile-flag=--scan-states-per-lane=1")
    parser.add_argument("--wrap", default="", metavar="COMMAND",
                        help="run ssm-run under this command, e.g. \"compute-sanitizer --tool "
                        "memcheck --error-exitcode 99\" (a failure of the command fails the "
                        "case)")
    parser.add_argument("--cases", type=int, default=6, help="random cases per family")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--filter", default="", help="only families whose name contains this")
    parser.add_argument("--chunks", default="8,16,64",
                        help="chunk sizes of the decomposed-SSD families")
    args = parser.parse_args()
    if (args.build is None) == (args.tools is None):
        parser.error("give one of --build and --tools")
    tools = args.tools or args.build / "bin"
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    print(f"numerics: seed {seed} (replay with --seed {seed})", flush=True)
    rng = np.random.default_rng(seed)
    chunks = tuple(int(c) for c in args.chunks.split(",") if c)
    families = [f for f in all_families(chunks) if args.filter in f.name]

    worst: dict[tuple[str, str], float] = collections.defaultdict(float)
    counts: collections.Counter = collections.Counter()
    failures = []
    cases = 0
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="ssm-numerics-") as work:
        runner = Runner(tools, Path(work), args.target, args.artifacts, args.compile_flag,
                        shlex.split(args.wrap))
        if args.compile_to:
            args.compile_to.mkdir(parents=True, exist_ok=True)
            for family in families:
                runner.compile_family(family, args.compile_to)
            print(f"numerics: compiled {len(families)} families for {args.target} into "
                  f"{args.compile_to}")
            return 0
        if args.target == "cuda" and not gpu_available(runner, families[0]):
            return SKIPPED
        for family in families:
            artifact = runner.compile_family(family)
            for _ in range(args.cases):
                inputs, refs = family.sample(rng)
                outputs = runner.execute(family, artifact, inputs)
                for i, (out, ref) in enumerate(zip(outputs, refs)):
                    dtype = family.results[i][0]
                    err = relative_error(out, ref)
                    key = (family.op, dtype)
                    worst[key] = max(worst[key], err)
                    counts[key] += 1
                    tolerance = bound(ref, dtype)
                    if not err <= tolerance:
                        shapes = [a.shape for a in inputs]
                        failures.append(f"{family.name} output {i}: relative error {err:.3g} "
                                        f"> {tolerance:.3g} (input shapes {shapes})")
                cases += 1
                if family.split:
                    err = split_check(runner, family, artifact, inputs, outputs)
                    if err is None:
                        continue
                    key = (family.op + " (state carried)", family.results[0][0])
                    worst[key] = max(worst[key], err)
                    counts[key] += 1
                    if not err <= TOLERANCE[key[1]]:
                        failures.append(f"{family.name}: the split run differs from the whole "
                                        f"run by {err:.3g} > {TOLERANCE[key[1]]:.3g}")
            print(f"  {family.name}: {args.cases} cases", flush=True)

    print(f"\n{'op':40} {'output':6} {'checks':>6} {'worst rel. L2':>14} {'tolerance':>10}")
    for (op, dtype), err in sorted(worst.items()):
        print(f"{op:40} {dtype:6} {counts[(op, dtype)]:6d} {err:14.3e} "
              f"{TOLERANCE[dtype]:10.1e}")
    print(f"\nnumerics: {cases} cases, {len(families)} families, {runner.runs} runs, "
          f"{time.time() - start:.0f} s, seed {seed}")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
