#!/usr/bin/env python3
"""Whole exported models (test/models, written by python/ssm_export/fixtures.py and
ssm_fixtures.py) through ssm-compile and ssm-run on the CPU, against the outputs torch computed
at export.

Each fixture is compiled once; every test_data_set_K (several batch sizes and sequence lengths
for the dynamic exports, including length 1) runs, and each of its outputs (the logits, and the
present states of the exports with decode-state inputs and outputs) must be within a relative
L2 error ||got - torch|| / ||torch|| <= 1e-4 (f32). The static opset-20 fixtures are also compiled
with --no-raise and run on their first data set, so the plain-op path that the raising patterns
replace stays checked. Prints one line per run; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

from ssm_reference.tensor_pb import read_tensor  # noqa: E402

TOLERANCE = 1e-4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tools", type=Path, required=True,
                        help="the directory of ssm-compile and ssm-run")
    parser.add_argument("models", type=Path, help="the folder of model fixtures")
    parser.add_argument("--filter", default="", help="only fixtures whose name contains this")
    args = parser.parse_args()

    start = time.time()
    failures, runs = [], 0
    print(f"{'fixture':44} {'data set':18} {'input shape':12} {'rel. L2 error':>14}")
    with tempfile.TemporaryDirectory(prefix="ssm-models-") as tmp:
        fixtures = sorted(p for p in args.models.iterdir()
                          if (p / "model.onnx").exists() and args.filter in p.name)
        builds = [(f, f.name, []) for f in fixtures]
        builds += [(f, f.name + " (no-raise)", ["--no-raise"])
                   for f in fixtures if "static-op20" in f.name]
        for fixture, label, flags in builds:
            artifact = Path(tmp) / f"{label}.ssmx"
            compiled = subprocess.run(
                [str(args.tools / "ssm-compile"), str(fixture / "model.onnx"), "-o",
                 str(artifact), "--cpu=x86-64-v3"] + flags, capture_output=True, text=True)
            if compiled.returncode != 0:
                failures.append(f"{label}: ssm-compile exited {compiled.returncode}: "
                                f"{compiled.stderr.strip()[:400]}")
                print(f"{label:44} does not compile", flush=True)
                continue
            data_sets = sorted(fixture.glob("test_data_set_*"))
            for data in data_sets[:1] if flags else data_sets:
                out = Path(tmp) / f"{label}.{data.name}"
                out.mkdir()
                ran = subprocess.run([str(args.tools / "ssm-run"), str(artifact), "--inputs",
                                      str(data), "--outputs", str(out)],
                                     capture_output=True, text=True)
                runs += 1
                shape = read_tensor(data / "input_0.pb").array.shape
                if ran.returncode != 0:
                    failures.append(f"{label}/{data.name}: ssm-run exited "
                                    f"{ran.returncode}: {ran.stderr.strip()[:400]}")
                    print(f"{label:44} {data.name:18} {str(shape):12} {'run failed':>14}")
                    continue
                for expected in sorted(data.glob("output_*.pb")):
                    got = read_tensor(out / expected.name).array.astype(np.float64)
                    want = read_tensor(expected).array.astype(np.float64)
                    error = (np.linalg.norm(got - want) / np.linalg.norm(want)
                             if got.shape == want.shape else float("inf"))
                    column = data.name if expected.name == "output_0.pb" else \
                        f"  {expected.stem}"
                    print(f"{label:44} {column:18} {str(shape):12} {error:14.3e}", flush=True)
                    if not error <= TOLERANCE:
                        failures.append(f"{label}/{data.name}/{expected.name}: relative L2 "
                                        f"error {error:.3g} > {TOLERANCE} (shape {got.shape} "
                                        f"vs {want.shape})")
    print(f"\nmodels: {runs} runs, {len(failures)} failures ({time.time() - start:.0f} s)")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures or runs == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
