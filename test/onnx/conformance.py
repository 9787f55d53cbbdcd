#!/usr/bin/env python3
"""ONNX conformance: ONNX's node tests through ssm-compile and ssm-run on the CPU.

Every test folder (`model.onnx` + `test_data_set_K/input_*.pb, output_*.pb`) whose ops the
importer claims (`ssm-compile --list-onnx-ops`) is compiled and run; each output must match
`output_K.pb` (floats: |got - want| <= 1e-7 + 1e-3 |want|, as ONNX's backend tests; integers and
bools exactly; NaN where NaN is expected). A case ends in one of:

  pass         every output matches
  unsupported  ssm-compile exits 3: the case uses an attribute value, type or form of the op
               that the importer does not support, and says so (e.g. axes given at run time)
  FAIL         a wrong output, a crash, or any other error

The run fails (exit 1) if any claimed case FAILs. `--write-docs` writes the table of
docs/SupportedONNXOps.md from the results.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

from ssm_reference.tensor_pb import _fields, read_tensor  # noqa: E402

RTOL, ATOL = 1e-3, 1e-7

# Test data that is wrong in the suite itself, not run: libonnx-testdata 1.12 stores the
# bfloat16 tensors of these cases as uint16 (fixed in later ONNX releases, whose copies of
# the same cases run).
BAD_TEST_DATA = {
    "test_cast_BFLOAT16_to_FLOAT", "test_cast_FLOAT_to_BFLOAT16",
    "test_castlike_BFLOAT16_to_FLOAT", "test_castlike_BFLOAT16_to_FLOAT_expanded",
    "test_castlike_FLOAT_to_BFLOAT16", "test_castlike_FLOAT_to_BFLOAT16_expanded",
}


def model_ops(path: Path) -> tuple[dict[str, int], set[tuple[str, str]]]:
    """The opsets a model imports and the (domain, op type) of its main graph's nodes."""
    opsets: dict[str, int] = {}
    ops: set[tuple[str, str]] = set()
    for number, _, value in _fields(path.read_bytes()):
        if number == 8:  # opset_import
            entry = {n: v for n, _, v in _fields(value)}
            domain = entry.get(1, b"").decode() or "ai.onnx"
            opsets[domain] = entry.get(2, 0)
        elif number == 7:  # graph
            for gnum, _, gval in _fields(value):
                if gnum == 1:  # node
                    node = {n: v for n, _, v in _fields(gval)}
                    domain = node.get(7, b"").decode() or "ai.onnx"
                    ops.add((domain, node.get(4, b"").decode()))
    return opsets, ops


def compare(got: np.ndarray, want: np.ndarray) -> str | None:
    """None when `got` matches `want`, else what differs."""
    if got.shape != want.shape:
        return f"shape {got.shape}, expected {want.shape}"
    if want.dtype.kind in "biu":
        bad = np.count_nonzero(got != want)
        return None if bad == 0 else f"{bad} of {want.size} elements differ"
    got64, want64 = got.astype(np.float64), want.astype(np.float64)
    close = np.isclose(got64, want64, rtol=RTOL, atol=ATOL, equal_nan=True)
    if close.all():
        return None
    worst = np.nanmax(np.abs(got64 - want64)[~close]) if (~close).any() else float("nan")
    return f"{np.count_nonzero(~close)} of {want.size} elements differ (worst abs. error {worst:.3g})"


def run_case(tools: Path, case: Path, scratch: Path) -> tuple[str, str]:
    """Compiles and runs one test folder; returns (outcome, detail)."""
    artifact = scratch / f"{case.name}.ssmx"
    compiled = subprocess.run(
        [str(tools / "ssm-compile"), str(case / "model.onnx"), "-o", str(artifact),
         "--cpu=x86-64-v3"],
        capture_output=True, text=True, timeout=600)
    message = compiled.stderr.strip().splitlines()
    first = next((line for line in message if "error" in line), message[0] if message else "")
    if compiled.returncode == 3:
        return "unsupported", first.split("error: ", 1)[-1]
    if compiled.returncode != 0:
        return "FAIL", f"ssm-compile exited {compiled.returncode}: {first}"
    for data in sorted(case.glob("test_data_set_*")):
        out = scratch / f"{case.name}.{data.name}"
        out.mkdir()
        ran = subprocess.run(
            [str(tools / "ssm-run"), str(artifact), "--inputs", str(data), "--outputs", str(out)],
            capture_output=True, text=True, timeout=600)
        if ran.returncode != 0:
            return "FAIL", f"ssm-run exited {ran.returncode}: {ran.stderr.strip()[:300]}"
        for want_path in sorted(data.glob("output_*.pb")):
            got_path = out / want_path.name
            if not got_path.exists():
                return "FAIL", f"{data.name}: no {want_path.name}"
            difference = compare(read_tensor(got_path).array, read_tensor(want_path).array)
            if difference:
                return "FAIL", f"{data.name}/{want_path.name}: {difference}"
    return "pass", ""


def supported_ops(tools: Path) -> dict[tuple[str, str], tuple[int, str]]:
    listing = subprocess.run([str(tools / "ssm-compile"), "--list-onnx-ops"],
                             capture_output=True, text=True, check=True).stdout
    ops = {}
    for line in listing.splitlines():
        domain, op, since, notes = (line.split("\t") + [""])[:4]
        ops[(domain, op)] = (int(since), notes)
    return ops


def write_docs(path: Path, supported, results, suites: list[str]) -> None:
    per_op = collections.defaultdict(collections.Counter)
    for case in results:
        for op in case["ops"]:
            per_op[tuple(op)][case["outcome"]] += 1
    lines = [
        "# Supported ONNX ops",
        "",
        "Generated by `test/onnx/conformance.py --write-docs` from `ssm-compile --list-onnx-ops`",
        f"and a run of the node tests in: {', '.join(suites)}.",
        "",
        "A case counts for every op of its graph. *unsupported*: the importer rejects the case",
        "with a message (an attribute value, a type or a run-time input it does not take).",
        "Anything else fails the `onnx-conformance` test. Ops not listed are rejected with an",
        "error naming the node.",
        "",
        "| domain | op | from opset | notes | cases | pass | unsupported |",
        "|---|---|---|---|---|---|---|",
    ]
    for (domain, op), (since, notes) in sorted(supported.items()):
        counts = per_op.get((domain, op), collections.Counter())
        total = sum(counts.values())
        lines.append(f"| {domain} | {op} | {since} | {notes} | {total} | {counts['pass']} | "
                     f"{counts['unsupported']} |")
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tools", type=Path, required=True,
                        help="the directory of ssm-compile and ssm-run")
    parser.add_argument("suites", type=Path, nargs="+",
                        help="folders of node tests (each test a sub-folder)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--filter", default="", help="only tests whose name contains this")
    parser.add_argument("--report", type=Path, help="write every case's outcome as JSON")
    parser.add_argument("--write-docs", type=Path, help="write SupportedONNXOps.md")
    parser.add_argument("--all-claimed", action="store_true",
                        help="fail when a case uses an op the importer does not claim (suites "
                             "written for the importer's ops, such as test/onnx/contrib)")
    args = parser.parse_args()

    start = time.time()
    supported = supported_ops(args.tools)
    cases = []
    for suite in args.suites:
        if not suite.is_dir():
            print(f"conformance: no test folder {suite}", file=sys.stderr)
            return 1
        for case in sorted(suite.iterdir()):
            if not (case / "model.onnx").exists() or args.filter not in case.name:
                continue
            if case.name in BAD_TEST_DATA and "libonnx-testdata" in str(suite):
                continue
            opsets, ops = model_ops(case / "model.onnx")
            claimed = all(
                op in supported and opsets.get(op[0], 0) >= supported[op][0] for op in ops)
            if claimed and ops:
                cases.append((case, sorted(ops)))
            elif args.all_claimed:
                print(f"conformance: {case.name} uses ops the importer does not claim: "
                      f"{sorted(ops)}", file=sys.stderr)
                return 1
    print(f"conformance: {len(cases)} claimed cases of {len(supported)} supported ops",
          flush=True)

    results = []
    with tempfile.TemporaryDirectory(prefix="ssm-conformance-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {}
        for case, ops in cases:
            scratch = Path(tmp) / f"{len(futures)}"
            scratch.mkdir()
            futures[pool.submit(run_case, args.tools, case, scratch)] = (case, ops)
        for future in concurrent.futures.as_completed(futures):
            case, ops = futures[future]
            try:
                outcome, detail = future.result()
            except subprocess.TimeoutExpired:
                outcome, detail = "FAIL", "timed out"
            results.append({"case": str(case), "ops": ops, "outcome": outcome,
                            "detail": detail})
            if outcome == "FAIL":
                print(f"FAIL {case.name}: {detail}", flush=True)

    counts = collections.Counter(r["outcome"] for r in results)
    print(f"\nconformance: {len(results)} cases: {counts['pass']} pass, "
          f"{counts['unsupported']} unsupported, {counts['FAIL']} FAIL "
          f"({time.time() - start:.0f} s)")
    if args.report:
        args.report.write_text(json.dumps(sorted(results, key=lambda r: r["case"]), indent=1))
    if args.write_docs:
        write_docs(args.write_docs, supported, results, [s.name for s in args.suites])
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
