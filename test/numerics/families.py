"""The op configurations the numerics suite compiles and checks.

A family is one compiled artifact: an op with a fixed set of optional operands, attributes and
an activation dtype, with every dimension dynamic. `sample(rng)` draws a random shape and
inputs and returns them with the reference outputs (float64, from python/ssm_reference, on the
inputs as rounded to their dtypes).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ssm_reference import ops
from ssm_reference.tensor_pb import to_bf16

ACTIVATION_DTYPES = ("f32", "bf16", "f16")


@dataclass
class Family:
    name: str
    op: str
    dtype: str
    inputs: list[tuple[str, str, int | tuple]]  # (name, dtype, rank or dims: None = dynamic)
    results: list[tuple[str, int]]  # (dtype, rank)
    body: str  # the op, reading %<input name>, defining %r0, %r1, ...
    sample: Callable[[np.random.Generator], tuple[list[np.ndarray], list[np.ndarray]]]
    # Continuity check: how to split a sample in two along the sequence (see numerics.py).
    split: Callable | None = None
    compile_flags: list[str] = field(default_factory=list)


def tensor_type(dtype: str, rank) -> str:
    """`rank` dynamic dimensions, or the given dimensions (None: dynamic)."""
    dims = [None] * rank if isinstance(rank, int) else list(rank)
    return "tensor<" + "".join(("?" if d is None else str(d)) + "x" for d in dims) + dtype + ">"


def round_to(x: np.ndarray, dtype: str) -> np.ndarray:
    """`x` rounded to `dtype`, kept as float32 (the values the artifact will see)."""
    x = np.asarray(x, dtype=np.float32)
    if dtype == "bf16":
        return to_bf16(x)
    if dtype == "f16":
        return x.astype(np.float16).astype(np.float32)
    return x


def mlir_module(family: Family) -> str:
    args = ", ".join(f"%{n}: {tensor_type(d, r)}" for n, d, r in family.inputs)
    results = ", ".join(tensor_type(d, r) for d, r in family.results)
    values = ", ".join(f"%r{i}" for i in range(len(family.results)))
    return (f"func.func @main({args}) -> ({results}) {{\n  {family.body}\n"
            f"  return {values} : {results}\n}}\n")


def types(family: Family, names: list[str]) -> str:
    by_name = {n: (d, r) for n, d, r in family.inputs}
    return ", ".join(tensor_type(*by_name[n]) for n in names)


def result_types(family: Family) -> str:
    return ", ".join(tensor_type(d, r) for d, r in family.results)


def lengths(rng: np.random.Generator) -> int:
    """A sequence length: often 1, often odd, sometimes long."""
    return int(rng.choice([1, 2, int(rng.integers(3, 40)) | 1, int(rng.integers(40, 300))]))


def normal(rng, shape, dtype="f32", scale=1.0):
    return round_to(rng.standard_normal(shape) * scale, dtype)


# --- ssm.discretize -----------------------------------------------------------------------------


def discretize_families() -> list[Family]:
    out = []
    for method, dtype, with_b in itertools.product(
            ("zoh", "euler", "bilinear", "mamba"), ("f32", "bf16"), (True, False)):
        inputs = [("dt", dtype, 2), ("A", "f32", 2)] + ([("B", dtype, 2)] if with_b else [])
        results = [("f32", 2)] * (2 if with_b else 1)
        f = Family(f"discretize/{method}/{'B' if with_b else 'noB'}/{dtype}", "ssm.discretize",
                   dtype, inputs, results, "", None)
        names = [n for n, _, _ in inputs]
        lhs = "%r0, %r1" if with_b else "%r0"
        f.body = (f"{lhs} = ssm.discretize {method} " + ", ".join("%" + n for n in names) +
                  f" : {types(f, names)} -> {result_types(f)}")

        def sample(rng, dtype=dtype, method=method, with_b=with_b):
            shape = (int(rng.integers(1, 5)), int(rng.integers(1, 40)))
            dt = round_to(rng.uniform(0.001, 0.2, shape), dtype)
            a = -np.exp(rng.standard_normal(shape)).astype(np.float32)
            b = normal(rng, shape, dtype) if with_b else None
            abar, bbar = ops.discretize(dt, a, b, method=method)
            return ([dt, a] + ([b] if with_b else []), [abar] + ([bbar] if with_b else []))
        f.sample = sample
        out.append(f)
    return out


# --- ssm.scan and ssm.associative_scan ----------------------------------------------------------


def scan_families() -> list[Family]:
    out = []
    for dtype, with_h0, reverse, dim in [("f32", False, False, 2), ("f32", True, False, 1),
                                         ("f32", True, True, 0), ("bf16", True, False, 2),
                                         ("f16", False, True, 2)]:
        inputs = [("a", dtype, 3), ("b", dtype, 3)] + ([("h0", dtype, 2)] if with_h0 else [])
        f = Family(f"scan/dim{dim}{'/reverse' if reverse else ''}{'/h0' if with_h0 else ''}/{dtype}",
                   "ssm.scan", dtype, inputs, [(dtype, 3), (dtype, 2)], "", None)
        f.body = ("%r0, %r1 = ssm.scan %a, %b" + (" init(%h0)" if with_h0 else "") +
                  f" dim = {dim}" + (" reverse" if reverse else "") +
                  f" : ({types(f, [n for n, _, _ in inputs])}) -> ({result_types(f)})")

        def sample(rng, dtype=dtype, with_h0=with_h0, reverse=reverse, dim=dim):
            shape = [int(rng.integers(1, 4)), int(rng.integers(1, 6)), int(rng.integers(1, 5))]
            shape[dim] = lengths(rng)
            a = round_to(rng.uniform(0.5, 1.0, shape), dtype)
            b = normal(rng, shape, dtype)
            rest = [s for i, s in enumerate(shape) if i != dim]
            h0 = normal(rng, rest, dtype) if with_h0 else None
            h, last = ops.scan(a, b, h0, dim=dim, reverse=reverse)
            return [a, b] + ([h0] if with_h0 else []), [h, last]
        f.sample = sample
        if with_h0 and not reverse and dtype == "f32":
            f.split = ("sequence", dim, [(0, dim), (1, dim)], (2, 1))
        out.append(f)
    return out


def associative_scan_families() -> list[Family]:
    cumsum = Family("associative_scan/cumsum/f32", "ssm.associative_scan", "f32",
                    [("x", "f32", 2)], [("f32", 2)], "", None)
    cumsum.body = ("%r0 = ssm.associative_scan %x dim = 1 : tensor<?x?xf32> -> tensor<?x?xf32> {\n"
                   "  ^bb0(%acc: f32, %next: f32):\n"
                   "    %s = arith.addf %acc, %next : f32\n"
                   "    ssm.yield %s : f32\n  }")

    def sample_cumsum(rng):
        x = normal(rng, (int(rng.integers(1, 5)), lengths(rng)))
        return [x], [np.cumsum(x.astype(np.float64), axis=1)]
    cumsum.sample = sample_cumsum

    linear = Family("associative_scan/linear/reverse/f32", "ssm.associative_scan", "f32",
                    [("a", "f32", 2), ("b", "f32", 2)], [("f32", 2), ("f32", 2)], "", None)
    linear.body = (
        "%r0, %r1 = ssm.associative_scan %a, %b dim = 0 reverse : tensor<?x?xf32>, "
        "tensor<?x?xf32> -> tensor<?x?xf32>, tensor<?x?xf32> {\n"
        "  ^bb0(%a1: f32, %b1: f32, %a2: f32, %b2: f32):\n"
        "    %m = arith.mulf %a1, %a2 : f32\n"
        "    %n = arith.mulf %a2, %b1 : f32\n"
        "    %o = arith.addf %n, %b2 : f32\n"
        "    ssm.yield %m, %o : f32, f32\n  }")

    def sample_linear(rng):
        shape = (lengths(rng), int(rng.integers(1, 6)))
        a = rng.uniform(0.5, 1.0, shape).astype(np.float32)
        b = normal(rng, shape)
        prod, acc = ops.associative_scan(
            [a, b], lambda x, y: (x[0] * y[0], y[0] * x[1] + y[1]), dim=0, reverse=True)
        return [a, b], [prod, acc]
    linear.sample = sample_linear
    return [cumsum, linear]


# --- ssm.selective_scan -------------------------------------------------------------------------

SELECTIVE_VARIANTS = {
    "plain": dict(),
    "D+z": dict(D=True, z=True),
    "bias+softplus": dict(delta_bias=True, softplus=True),
    "h0": dict(h0=True),
    "all": dict(D=True, z=True, delta_bias=True, h0=True, softplus=True),
}


def selective_scan_families() -> list[Family]:
    fused = [(variant, opts, dtype, False, None) for (variant, opts), dtype in
             itertools.product(SELECTIVE_VARIANTS.items(), ACTIVATION_DTYPES)]
    # Through the decomposition (discretize + scan + contraction) instead of fused.
    decomposed = [(variant, SELECTIVE_VARIANTS[variant], dtype, True, None)
                  for variant, dtype in (("plain", "f32"), ("all", "f32"), ("all", "bf16"))]
    # A static N selects the warp-level GPU kernel (N a power of two).
    static = [(variant, SELECTIVE_VARIANTS[variant], dtype, False, n)
              for variant, dtype, n in (("all", "bf16", 16), ("all", "f32", 16),
                                        ("plain", "f16", 4), ("h0", "bf16", 8),
                                        ("D+z", "f32", 32), ("bias+softplus", "bf16", 2),
                                        ("all", "f16", 64), ("h0", "bf16", 128))]
    out = []
    for variant, opts, dtype, decompose, static_n in fused + decomposed + static:
        with_n = (lambda rank: rank) if static_n is None else (
            lambda rank: (None,) * (rank - 2) + (static_n, None) if rank == 4 else
            (None, static_n) if rank == 2 else (None, None, static_n))
        inputs = [("u", dtype, 3), ("delta", dtype, 3), ("A", "f32", with_n(2)),
                  ("B", dtype, with_n(4)), ("C", dtype, with_n(4))]
        extras = ""
        for key, operand in (("D", ("D", "f32", 1)), ("z", ("z", dtype, 3)),
                             ("delta_bias", ("delta_bias", "f32", 1)),
                             ("h0", ("h0", "f32", with_n(3)))):
            if opts.get(key):
                inputs.append(operand)
                extras += f" {'init' if key == 'h0' else key}(%{operand[0]})"
        if opts.get("softplus"):
            extras += " delta_softplus"
        suffix = ("/decomposed" if decompose else "") + (f"/n{static_n}" if static_n else "")
        f = Family(f"selective_scan/{variant}/{dtype}" + suffix,
                   "ssm.selective_scan" + (" (decomposed)" if decompose else "") +
                   (" (static N)" if static_n else ""), dtype, inputs,
                   [(dtype, 3), ("f32", with_n(3))], "", None,
                   compile_flags=["--decompose"] if decompose else [])
        f.body = ("%r0, %r1 = ssm.selective_scan %u, %delta, %A, %B, %C" + extras +
                  f" : ({types(f, [n for n, _, _ in inputs])}) -> ({result_types(f)})")

        def sample(rng, dtype=dtype, opts=opts, static_n=static_n):
            batch, groups = int(rng.integers(1, 3)), int(rng.integers(1, 3))
            channels = groups * int(rng.integers(1, 4 if static_n is None else 12))
            n = static_n or int(rng.choice([4, 8, 16, int(rng.integers(4, 129))]))
            length = lengths(rng)
            vals = {
                "u": normal(rng, (batch, channels, length), dtype),
                # Positive step sizes when there is no softplus to make them so.
                "delta": (normal(rng, (batch, channels, length), dtype) if opts.get("softplus")
                          else round_to(rng.uniform(0.01, 0.5, (batch, channels, length)),
                                        dtype)),
                "A": -np.exp(rng.standard_normal((channels, n))).astype(np.float32),
                "B": normal(rng, (batch, groups, n, length), dtype),
                "C": normal(rng, (batch, groups, n, length), dtype),
                "D": normal(rng, (channels,)),
                "z": normal(rng, (batch, channels, length), dtype),
                "delta_bias": normal(rng, (channels,), scale=0.5),
                "h0": normal(rng, (batch, channels, n)),
            }
            args = {k: vals[k] for k in ("D", "z", "delta_bias", "h0") if opts.get(k)}
            y, h = ops.selective_scan(vals["u"], vals["delta"], vals["A"], vals["B"], vals["C"],
                                      delta_softplus=bool(opts.get("softplus")), **args)
            names = ["u", "delta", "A", "B", "C"] + list(args)
            return [vals[k] for k in names], [y, h]
        f.sample = sample
        if opts.get("h0") and not decompose:
            # Inputs split along L: u, delta (dim 2), B, C (dim 3), z (dim 2); h0 carried.
            names = [n for n, _, _ in inputs]
            seq = [(i, {"u": 2, "delta": 2, "B": 3, "C": 3, "z": 2}[n])
                   for i, n in enumerate(names) if n in ("u", "delta", "B", "C", "z")]
            f.split = ("sequence", 2, seq, (names.index("h0"), 1))
        out.append(f)
    return out


# --- the decode step: one token through the causal conv and the selective scan ---------------

DECODE_STEPS = (
    # (variant, dtype, N, conv width K (0: no conv), scan variant, conv options)
    ("scan", "f32", 16, 0, "all", {}),
    ("scan", "bf16", 16, 0, "all", {}),
    ("scan", "f16", 4, 0, "plain", {}),
    ("scan", "bf16", 128, 0, "h0", {}),
    ("conv+scan", "f32", 16, 4, "all", dict(bias=True, state=True, silu=True)),
    ("conv+scan", "bf16", 16, 4, "all", dict(bias=True, state=True, silu=True)),
    ("conv+scan", "f16", 8, 2, "D+z", {}),
    ("conv+scan", "bf16", 64, 3, "h0", dict(state=True)),
)


def decode_step_families() -> list[Family]:
    """One step (L = 1, static) with a static N: on the GPU one kernel (the decode step), which
    also computes the causal conv that feeds the scan when there is one. The reference rounds
    the conv's output to the activation dtype before the scan reads it, as the program stores
    it."""
    out = []
    for variant, dtype, n, width, scan_variant, conv in DECODE_STEPS:
        opts = SELECTIVE_VARIANTS[scan_variant]
        step = (None, None, 1)
        inputs, conv_extras = [], ""
        if width:
            inputs += [("x", dtype, step), ("w", "f32", (None, width))]
            if conv.get("bias"):
                inputs.append(("conv_bias", "f32", 1))
                conv_extras += " bias(%conv_bias)"
            if conv.get("state"):
                inputs.append(("conv_state", dtype, (None, None, width - 1)))
                conv_extras += " init(%conv_state)"
            if conv.get("silu"):
                conv_extras += " activation = silu"
        conv_names = [name for name, _, _ in inputs]
        if not width:
            inputs.append(("u", dtype, step))
        inputs += [("delta", dtype, step), ("A", "f32", (None, n)),
                   ("B", dtype, (None, None, n, 1)), ("C", dtype, (None, None, n, 1))]
        scan_extras = ""
        for key, operand in (("D", ("D", "f32", 1)), ("z", ("z", dtype, step)),
                             ("delta_bias", ("delta_bias", "f32", 1)),
                             ("h0", ("h0", "f32", (None, None, n)))):
            if opts.get(key):
                inputs.append(operand)
                scan_extras += f" {'init' if key == 'h0' else key}(%{operand[0]})"
        if opts.get("softplus"):
            scan_extras += " delta_softplus"
        results = [(dtype, step), ("f32", (None, None, n))]
        if width:
            results.append((dtype, (None, None, width - 1)))
        f = Family(f"decode_step/{variant}/{dtype}/n{n}", "decode step (L = 1)", dtype, inputs,
                   results, "", None)
        step_type = tensor_type(dtype, step)
        scan_names = [name for name, _, _ in inputs if name not in conv_names and name != "u"]
        body = ""
        if width:
            body = (f"%u, %r2 = ssm.causal_conv1d %x, %w{conv_extras} : "
                    f"({types(f, conv_names)}) -> ({step_type}, "
                    f"{tensor_type(dtype, (None, None, width - 1))})\n  ")
        scan_operands = ", ".join(f"%{name}" for name in scan_names[:4])
        f.body = body + (
            f"%r0, %r1 = ssm.selective_scan %u, {scan_operands}{scan_extras} : "
            f"({step_type}, {types(f, scan_names)}) -> "
            f"({tensor_type(*results[0])}, {tensor_type(*results[1])})")

        def sample(rng, dtype=dtype, n=n, width=width, opts=opts, conv=conv,
                   names=[name for name, _, _ in inputs]):
            batch, groups = int(rng.integers(1, 5)), int(rng.integers(1, 3))
            channels = groups * int(rng.integers(1, 40))
            vals = {
                "x": normal(rng, (batch, channels, 1), dtype),
                "w": normal(rng, (channels, width), scale=0.5),
                "conv_bias": normal(rng, (channels,)),
                "conv_state": normal(rng, (batch, channels, max(width - 1, 0)), dtype),
                "u": normal(rng, (batch, channels, 1), dtype),
                "delta": (normal(rng, (batch, channels, 1), dtype) if opts.get("softplus")
                          else round_to(rng.uniform(0.01, 0.5, (batch, channels, 1)), dtype)),
                "A": -np.exp(rng.standard_normal((channels, n))).astype(np.float32),
                "B": normal(rng, (batch, groups, n, 1), dtype),
                "C": normal(rng, (batch, groups, n, 1), dtype),
                "D": normal(rng, (channels,)),
                "z": normal(rng, (batch, channels, 1), dtype),
                "delta_bias": normal(rng, (channels,), scale=0.5),
                "h0": normal(rng, (batch, channels, n)),
            }
            references = []
            u = vals["u"]
            if width:
                conv_args = {key: vals["conv_" + key] for key in ("bias", "state")
                             if conv.get(key)}
                xc, conv_state = ops.causal_conv1d(
                    vals["x"], vals["w"], activation="silu" if conv.get("silu") else "none",
                    **conv_args)
                u = round_to(xc, dtype)
                references.append(conv_state)
            args = {k: vals[k] for k in ("D", "z", "delta_bias", "h0") if opts.get(k)}
            y, h = ops.selective_scan(u, vals["delta"], vals["A"], vals["B"], vals["C"],
                                      delta_softplus=bool(opts.get("softplus")), **args)
            return [vals[name] for name in names], [y, h] + references
        f.sample = sample
        out.append(f)
    return out


# --- ssm.ssd ------------------------------------------------------------------------------------

SSD_VARIANTS = {
    "plain": dict(),
    "D+z": dict(D=1, z=True),
    "Dhp+bias+softplus": dict(D=2, dt_bias=True, softplus=True),
    "h0": dict(h0=True),
    "clamp": dict(dt_bias=True, softplus=True, dt_min=0.05, dt_max=0.3),
    "all": dict(D=1, z=True, dt_bias=True, h0=True, softplus=True),
}


def ssd_families(decompose_chunks: tuple[int, ...] = ()) -> list[Family]:
    out = []
    for (variant, opts), dtype in itertools.product(SSD_VARIANTS.items(), ACTIVATION_DTYPES):
        out.append(_ssd_family(variant, opts, dtype, chunk=None))
    for chunk, (variant, opts) in itertools.product(decompose_chunks,
                                                    (("all", SSD_VARIANTS["all"]),
                                                     ("clamp", SSD_VARIANTS["clamp"]))):
        out.append(_ssd_family(variant, opts, "f32", chunk=chunk))
    return out


def _ssd_family(variant, opts, dtype, chunk):
    inputs = [("x", dtype, 4), ("dt", dtype, 3), ("A", "f32", 1), ("B", dtype, 4),
              ("C", dtype, 4)]
    extras = ""
    for key, operand in (("D", ("D", "f32", opts.get("D", 1))), ("z", ("z", dtype, 4)),
                         ("dt_bias", ("dt_bias", "f32", 1)), ("h0", ("h0", "f32", 4))):
        if opts.get(key):
            inputs.append(operand)
            extras += f" {'init' if key == 'h0' else key}(%{operand[0]})"
    if opts.get("softplus"):
        extras += " dt_softplus"
    attrs = []
    if "dt_min" in opts:
        attrs += [f"dt_min = {opts['dt_min']} : f32", f"dt_max = {opts['dt_max']} : f32"]
    if chunk:
        attrs.append(f"chunk_size = {chunk} : i64")
    if attrs:
        extras += " {" + ", ".join(attrs) + "}"
    name = f"ssd/{variant}/{dtype}" + (f"/decomposed-chunk{chunk}" if chunk else "")
    f = Family(name, "ssm.ssd" + (" (decomposed)" if chunk else ""), dtype, inputs,
               [(dtype, 4), ("f32", 4)], "", None,
               compile_flags=["--decompose"] if chunk else [])
    f.body = ("%r0, %r1 = ssm.ssd %x, %dt, %A, %B, %C" + extras +
              f" : ({types(f, [n for n, _, _ in inputs])}) -> ({result_types(f)})")

    def sample(rng, dtype=dtype, opts=opts, chunk=chunk):
        batch, groups = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        heads, p = groups * int(rng.integers(1, 3)), int(rng.integers(1, 9))
        n = int(rng.choice([4, 16, int(rng.integers(4, 65))]))
        length = lengths(rng) if not chunk else int(rng.choice([1, chunk, 2 * chunk + 3,
                                                                 int(rng.integers(1, 100))]))
        vals = {
            "x": normal(rng, (batch, length, heads, p), dtype),
            "dt": (normal(rng, (batch, length, heads), dtype) if opts.get("softplus")
                   else round_to(rng.uniform(0.01, 0.5, (batch, length, heads)), dtype)),
            "A": -np.exp(rng.standard_normal(heads)).astype(np.float32),
            "B": normal(rng, (batch, length, groups, n), dtype),
            "C": normal(rng, (batch, length, groups, n), dtype),
            "D": normal(rng, (heads,) if opts.get("D") == 1 else (heads, p)),
            "z": normal(rng, (batch, length, heads, p), dtype),
            "dt_bias": normal(rng, (heads,), scale=0.5),
            "h0": normal(rng, (batch, heads, p, n)),
        }
        args = {k: vals[k] for k in ("D", "z", "dt_bias", "h0") if opts.get(k)}
        y, s = ops.ssd(vals["x"], vals["dt"], vals["A"], vals["B"], vals["C"],
                       dt_softplus=bool(opts.get("softplus")),
                       dt_min=opts.get("dt_min", 0.0), dt_max=opts.get("dt_max", np.inf),
                       **args)
        names = ["x", "dt", "A", "B", "C"] + list(args)
        return [vals[k] for k in names], [y, s]
    f.sample = sample
    if opts.get("h0") and not chunk:
        names = [n for n, _, _ in inputs]
        seq = [(i, 1) for i, n in enumerate(names) if n in ("x", "dt", "B", "C", "z")]
        f.split = ("sequence", 1, seq, (names.index("h0"), 1))
    return f


# --- the chunked SSD steps ----------------------------------------------------------------------


def chunk_step_families() -> list[Family]:
    seg = Family("segsum/f32", "ssm.segsum", "f32", [("x", "f32", 3)], [("f32", 4)], "", None)
    seg.body = "%r0 = ssm.segsum %x : tensor<?x?x?xf32> -> tensor<?x?x?x?xf32>"

    def sample_seg(rng):
        x = normal(rng, (int(rng.integers(1, 3)), int(rng.integers(1, 4)), lengths(rng) % 64 + 1))
        return [x], [ops.segsum(x)]
    seg.sample = sample_seg

    seg16 = Family("segsum/bf16", "ssm.segsum", "bf16", [("x", "bf16", 2)], [("bf16", 3)], "",
                   None)
    seg16.body = "%r0 = ssm.segsum %x : tensor<?x?xbf16> -> tensor<?x?x?xbf16>"

    def sample_seg16(rng):
        x = normal(rng, (int(rng.integers(1, 4)), int(rng.integers(1, 33))), "bf16")
        return [x], [ops.segsum(x)]
    seg16.sample = sample_seg16

    def dims(rng):
        groups = int(rng.integers(1, 3))
        return dict(b=int(rng.integers(1, 3)), nc=int(rng.integers(1, 4)),
                    q=int(rng.integers(1, 17)), g=groups, h=groups * int(rng.integers(1, 3)),
                    p=int(rng.integers(1, 6)), n=int(rng.integers(1, 9)))

    state = Family("chunk_state/f32", "ssm.chunk_state", "f32",
                   [("B", "f32", 5), ("x", "f32", 5), ("cs", "f32", 4)], [("f32", 5)], "", None)
    state.body = ("%r0 = ssm.chunk_state %B, %x, %cs : tensor<?x?x?x?x?xf32>, "
                  "tensor<?x?x?x?x?xf32>, tensor<?x?x?x?xf32> -> tensor<?x?x?x?x?xf32>")

    def sample_state(rng):
        d = dims(rng)
        bm = normal(rng, (d["b"], d["nc"], d["q"], d["g"], d["n"]))
        x = normal(rng, (d["b"], d["nc"], d["q"], d["h"], d["p"]))
        cs = np.cumsum(-rng.uniform(0, 0.3, (d["b"], d["h"], d["nc"], d["q"])), axis=-1)
        cs = cs.astype(np.float32)
        return [bm, x, cs], [ops.chunk_state(bm, x, cs)]
    state.sample = sample_state

    passing = []
    for with_h0 in (False, True):
        inputs = [("st", "f32", 5), ("dA", "f32", 3)] + ([("h0", "f32", 4)] if with_h0 else [])
        f = Family(f"state_passing/{'h0' if with_h0 else 'zero'}/f32", "ssm.state_passing",
                   "f32", inputs, [("f32", 5), ("f32", 4)], "", None)
        f.body = ("%r0, %r1 = ssm.state_passing %st, %dA" + (" init(%h0)" if with_h0 else "") +
                  f" : ({types(f, [n for n, _, _ in inputs])}) -> ({result_types(f)})")

        def sample_passing(rng, with_h0=with_h0):
            d = dims(rng)
            st = normal(rng, (d["b"], d["nc"], d["h"], d["p"], d["n"]))
            da = (-rng.uniform(0, 1, (d["b"], d["h"], d["nc"]))).astype(np.float32)
            h0 = normal(rng, (d["b"], d["h"], d["p"], d["n"])) if with_h0 else None
            prev, final = ops.state_passing(st, da, h0)
            return [st, da] + ([h0] if with_h0 else []), [prev, final]
        f.sample = sample_passing
        passing.append(f)

    scan = Family("chunk_scan/f32", "ssm.chunk_scan", "f32",
                  [("C", "f32", 5), ("B", "f32", 5), ("x", "f32", 5), ("cs", "f32", 4),
                   ("seg", "f32", 5), ("prev", "f32", 5)], [("f32", 5)], "", None)
    scan.body = ("%r0 = ssm.chunk_scan %C, %B, %x, %cs, %seg, %prev : "
                 f"{types(scan, ['C', 'B', 'x', 'cs', 'seg', 'prev'])} -> {result_types(scan)}")

    def sample_scan(rng):
        d = dims(rng)
        c = normal(rng, (d["b"], d["nc"], d["q"], d["g"], d["n"]))
        bm = normal(rng, (d["b"], d["nc"], d["q"], d["g"], d["n"]))
        x = normal(rng, (d["b"], d["nc"], d["q"], d["h"], d["p"]))
        da = (-rng.uniform(0, 0.3, (d["b"], d["h"], d["nc"], d["q"]))).astype(np.float32)
        cs = np.cumsum(da, axis=-1).astype(np.float32)
        sg = ops.segsum(da).astype(np.float32)
        prev = normal(rng, (d["b"], d["nc"], d["h"], d["p"], d["n"]))
        return [c, bm, x, cs, sg, prev], [ops.chunk_scan(c, bm, x, cs, sg, prev)]
    scan.sample = sample_scan
    return [seg, seg16, state, *passing, scan]


# --- ssm.causal_conv1d --------------------------------------------------------------------------


def causal_conv1d_families() -> list[Family]:
    out = []
    for (variant, opts), dtype in itertools.product(
            {"plain": {}, "bias+silu": dict(bias=True, silu=True),
             "state": dict(state=True), "all": dict(bias=True, state=True, silu=True)}.items(),
            ACTIVATION_DTYPES):
        inputs = [("x", dtype, 3), ("w", "f32", 2)]
        extras = ""
        if opts.get("bias"):
            inputs.append(("bias", "f32", 1))
            extras += " bias(%bias)"
        if opts.get("state"):
            inputs.append(("state", dtype, 3))
            extras += " init(%state)"
        if opts.get("silu"):
            extras += " activation = silu"
        f = Family(f"causal_conv1d/{variant}/{dtype}", "ssm.causal_conv1d", dtype, inputs,
                   [(dtype, 3), (dtype, 3)], "", None)
        f.body = ("%r0, %r1 = ssm.causal_conv1d %x, %w" + extras +
                  f" : ({types(f, [n for n, _, _ in inputs])}) -> ({result_types(f)})")

        def sample(rng, dtype=dtype, opts=opts):
            batch, channels = int(rng.integers(1, 3)), int(rng.integers(1, 20))
            k, length = int(rng.integers(1, 6)), lengths(rng)
            x = normal(rng, (batch, channels, length), dtype)
            w = normal(rng, (channels, k), scale=0.5)
            args = {}
            if opts.get("bias"):
                args["bias"] = normal(rng, (channels,))
            if opts.get("state"):
                args["state"] = normal(rng, (batch, channels, k - 1), dtype)
            y, st = ops.causal_conv1d(x, w, activation="silu" if opts.get("silu") else "none",
                                      **args)
            return [x, w] + list(args.values()), [y, st]
        f.sample = sample
        if opts.get("state"):
            names = [n for n, _, _ in inputs]
            f.split = ("sequence", 2, [(0, 2)], (names.index("state"), 1))
        out.append(f)
    return out


# --- ssm.silu, ssm.softplus ---------------------------------------------------------------------


def activation_families() -> list[Family]:
    out = []
    for (name, reference), dtype in itertools.product(
            {"silu": ops.silu, "softplus": ops.softplus}.items(), ACTIVATION_DTYPES):
        f = Family(f"{name}/{dtype}", f"ssm.{name}", dtype, [("x", dtype, 3)], [(dtype, 3)], "",
                   None)
        f.body = f"%r0 = ssm.{name} %x : {types(f, ['x'])} -> {result_types(f)}"

        def sample(rng, dtype=dtype, reference=reference):
            shape = (int(rng.integers(1, 3)), int(rng.integers(1, 9)), lengths(rng))
            # Wide enough to reach both tails (exp overflow for large |x| in a naive form).
            x = normal(rng, shape, dtype, scale=float(rng.choice([1.0, 30.0])))
            return [x], [reference(x)]
        f.sample = sample
        out.append(f)
    return out


# --- norms and rotary ---------------------------------------------------------------------------


def norm_families() -> list[Family]:
    out = []
    for (variant, opts), dtype in itertools.product(
            {"plain": {}, "gate": dict(z=True), "gate-first-grouped": dict(z=True, groups=True),
             "norm-first": dict(z=True, before=True)}.items(), ACTIVATION_DTYPES):
        inputs = [("x", dtype, 3), ("w", "f32", 1)] + ([("z", dtype, 3)] if opts.get("z") else [])
        group = 8 if opts.get("groups") else 0
        extras = (" gate(%z)" if opts.get("z") else "") + (
            " norm_before_gate" if opts.get("before") else "")
        extras += f" {{eps = 1.0e-05 : f32, group_size = {group} : i64}}"
        f = Family(f"gated_rms_norm/{variant}/{dtype}", "ssm.gated_rms_norm", dtype, inputs,
                   [(dtype, 3)], "", None)
        f.body = ("%r0 = ssm.gated_rms_norm %x, %w" + extras +
                  f" : ({types(f, [n for n, _, _ in inputs])}) -> {result_types(f)}")

        def sample(rng, dtype=dtype, opts=opts, group=group):
            shape = (int(rng.integers(1, 3)), int(rng.integers(1, 9)),
                     8 * int(rng.integers(1, 9)))
            x = normal(rng, shape, dtype)
            w = normal(rng, shape[-1:])
            z = normal(rng, shape, dtype) if opts.get("z") else None
            y = ops.gated_rms_norm(x, w, z, eps=1e-5, group_size=group,
                                   norm_before_gate=bool(opts.get("before")))
            return [x, w] + ([z] if opts.get("z") else []), [y]
        f.sample = sample
        out.append(f)

    for dtype in ACTIVATION_DTYPES:
        f = Family(f"rms_norm/{dtype}", "lm.rms_norm", dtype, [("x", dtype, 3), ("w", dtype, 1)],
                   [(dtype, 3)], "", None)
        f.body = (f"%r0 = lm.rms_norm %x, %w {{eps = 1.0e-06 : f32}} : "
                  f"{types(f, ['x', 'w'])} -> {result_types(f)}")

        def sample(rng, dtype=dtype):
            shape = (int(rng.integers(1, 3)), int(rng.integers(1, 9)), int(rng.integers(1, 130)))
            x, w = normal(rng, shape, dtype), normal(rng, shape[-1:], dtype)
            return [x, w], [ops.rms_norm(x, w, eps=1e-6)]
        f.sample = sample
        out.append(f)
    return out


def rotary_families() -> list[Family]:
    out = []
    for interleaved, dtype in itertools.product((False, True), ACTIVATION_DTYPES):
        f = Family(f"rotary/{'interleaved' if interleaved else 'half'}/{dtype}", "lm.rotary",
                   dtype, [("x", dtype, 4), ("cos", "f32", 3), ("sin", "f32", 3)], [(dtype, 4)],
                   "", None)
        f.body = ("%r0 = lm.rotary %x, %cos, %sin" + (" interleaved" if interleaved else "") +
                  f" : {types(f, ['x', 'cos', 'sin'])} -> {result_types(f)}")

        def sample(rng, dtype=dtype, interleaved=interleaved):
            batch, heads, length = int(rng.integers(1, 3)), int(rng.integers(1, 4)), lengths(rng)
            dh = 2 * int(rng.integers(1, 17))
            half = int(rng.integers(1, dh // 2 + 1))
            x = normal(rng, (batch, heads, length, dh), dtype)
            angle = rng.uniform(0, 6.3, (int(rng.choice([1, batch])), length, half))
            cos, sin = np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)
            return [x, cos, sin], [ops.rotary(x, cos, sin, interleaved=interleaved)]
        f.sample = sample
        out.append(f)
    return out


# --- lm.attention -------------------------------------------------------------------------------

ATTENTION_VARIANTS = {
    "plain": dict(),
    "causal": dict(causal=True),
    "gqa+causal+softcap": dict(gqa=True, causal=True, softcap=20.0),
    "bool-mask": dict(mask="bool"),
    "float-mask+scale": dict(mask="float", scale=0.3),
    "decode": dict(past=True, causal=True, decode=True, gqa=True),
    "past+mask": dict(past=True, mask="bool"),
}


def attention_families() -> list[Family]:
    out = []
    for (variant, opts), dtype in itertools.product(ATTENTION_VARIANTS.items(),
                                                    ACTIVATION_DTYPES):
        mask_rank = 4 if opts.get("mask") == "float" else 2
        inputs = [("q", dtype, 4), ("k", dtype, 4), ("v", dtype, 4)]
        extras = ""
        if opts.get("mask"):
            inputs.append(("mask", "i1" if opts["mask"] == "bool" else dtype, mask_rank))
            extras += " mask(%mask)"
        if opts.get("past"):
            inputs += [("pk", dtype, 4), ("pv", dtype, 4)]
            extras += " past(%pk, %pv)"
        if opts.get("causal"):
            extras += " causal"
        attrs = []
        if "scale" in opts:
            attrs.append(f"scale = {opts['scale']} : f32")
        if "softcap" in opts:
            attrs.append(f"softcap = {opts['softcap']} : f32")
        if attrs:
            extras += " {" + ", ".join(attrs) + "}"
        f = Family(f"attention/{variant}/{dtype}", "lm.attention", dtype, inputs,
                   [(dtype, 4)] * 3, "", None)
        f.body = ("%r0, %r1, %r2 = lm.attention %q, %k, %v" + extras +
                  f" : ({types(f, [n for n, _, _ in inputs])}) -> ({result_types(f)})")

        def sample(rng, dtype=dtype, opts=opts, mask_rank=mask_rank):
            batch, hkv = int(rng.integers(1, 3)), int(rng.integers(1, 3))
            hq = hkv * (int(rng.integers(2, 4)) if opts.get("gqa") else 1)
            lq = 1 if opts.get("decode") else int(rng.integers(1, 24))
            lp = int(rng.integers(1, 20)) if opts.get("past") else 0
            dk, dv = int(rng.integers(1, 40)), int(rng.integers(1, 40))
            q = normal(rng, (batch, hq, lq, dk), dtype)
            k = normal(rng, (batch, hkv, lq, dk), dtype)
            v = normal(rng, (batch, hkv, lq, dv), dtype)
            pk = normal(rng, (batch, hkv, lp, dk), dtype) if lp else None
            pv = normal(rng, (batch, hkv, lp, dv), dtype) if lp else None
            total = lp + lq
            mask = None
            if opts.get("mask") == "bool":
                mask = rng.random((lq, total)) > 0.3
                mask[:, -1] = True  # every query attends somewhere
            elif opts.get("mask") == "float":
                mask = normal(rng, (int(rng.choice([1, batch])), 1, lq, total), dtype)
            args = [q, k, v] + ([mask] if mask is not None else []) + ([pk, pv] if lp else [])
            refs = ops.attention(q, k, v, mask=mask, past_key=pk, past_value=pv,
                                 causal=bool(opts.get("causal")), scale=opts.get("scale"),
                                 softcap=opts.get("softcap", 0.0))
            return args, list(refs)
        f.sample = sample
        out.append(f)
    return out


def all_families(decompose_chunks: tuple[int, ...]) -> list[Family]:
    return (discretize_families() + scan_families() + associative_scan_families() +
            selective_scan_families() + decode_step_families() +
            ssd_families(decompose_chunks) +
            chunk_step_families() + causal_conv1d_families() + activation_families() +
            norm_families() +
            rotary_families() + attention_families())
