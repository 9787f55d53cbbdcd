"""Self-checks of the NumPy references in ``ssm_reference``.

They make the references trustworthy without the compiler: each op is checked against a hand
computation, a second formulation (the chunked SSD against the recurrence, the selective scan
against discretize + scan, attention with a KV cache against attention over the whole
sequence, ...), algebraic identities, and real ONNX files. Inputs are fresh random numbers on
every run; the seed is printed, and ``SSM_REFERENCE_SEED=<seed>`` replays a run.

Run: ``python3 python/tests/test_reference.py`` (``-v`` lists the checks).
"""

from __future__ import annotations

import math
import os
import secrets
import sys
import tempfile
import unittest
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ssm_reference import ops, tensor_pb  # noqa: E402

SEED = int(os.environ.get("SSM_REFERENCE_SEED", secrets.randbits(32)))
REPO = Path(__file__).resolve().parents[2]
ONNX_NODE_TESTS = Path(
    os.environ.get("SSM_ONNX_NODE_TESTS", REPO.parent / "shared" / "onnx-node-tests")
)


class ReferenceTest(unittest.TestCase):
    """Gives every check its own generator, derived from the run's seed and its name."""

    def setUp(self) -> None:
        self.rng = np.random.default_rng([SEED, zlib.crc32(self.id().encode())])

    def normal(self, *shape: int, scale: float = 1.0) -> np.ndarray:
        """Standard normal samples times ``scale``."""
        return self.rng.standard_normal(shape) * scale

    def uniform(self, low: float, high: float, *shape: int) -> np.ndarray:
        """Uniform samples in [low, high)."""
        return self.rng.uniform(low, high, shape)

    def assertClose(
        self, actual: np.ndarray, expected: np.ndarray, rtol: float = 1e-10, atol: float = 1e-12
    ) -> None:
        """Shapes equal and values close (NaNs must match NaNs)."""
        actual, expected = np.asarray(actual), np.asarray(expected)
        self.assertEqual(actual.shape, expected.shape)
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)


def scalar_softplus(x: float) -> float:
    """log(1 + exp(x)) for the moderate x of the hand computations."""
    return math.log1p(math.exp(x))


def scalar_silu(x: float) -> float:
    """x * sigmoid(x)."""
    return x / (1.0 + math.exp(-x))


# ---------------------------------------------------------------------------------------------
# Elementwise helpers and discretization
# ---------------------------------------------------------------------------------------------


class ElementwiseTest(ReferenceTest):
    def test_softplus_and_silu(self) -> None:
        x = self.uniform(-20, 20, 50)
        self.assertClose(ops.softplus(x), [scalar_softplus(v) for v in x])
        self.assertClose(ops.silu(x), [scalar_silu(v) for v in x])
        with np.errstate(over="raise", invalid="raise"):
            self.assertClose(ops.softplus([1000.0, -1000.0]), [1000.0, 0.0])
            self.assertClose(ops.silu([1000.0, -1000.0]), [1000.0, 0.0])


class DiscretizeTest(ReferenceTest):
    def test_hand_values(self) -> None:
        dt, a, b = math.log(2.0), -1.0, 3.0
        expected = {
            "zoh": (0.5, 1.5),
            "euler": (1.0 - dt, 3.0 * dt),
            "bilinear": ((1.0 - dt / 2) / (1.0 + dt / 2), 3.0 * dt / (1.0 + dt / 2)),
            "mamba": (0.5, 3.0 * dt),
        }
        for method, (a_bar, b_bar) in expected.items():
            with self.subTest(method=method):
                got_a, got_b = ops.discretize([dt], [a], [b], method=method)
                self.assertClose(got_a, [a_bar])
                self.assertClose(got_b, [b_bar])
                got_a, got_b = ops.discretize([dt], [a], method=method)
                self.assertClose(got_a, [a_bar])
                self.assertIsNone(got_b)

    def test_zoh_composes_exactly(self) -> None:
        # ZOH integrates dh/dt = A h + B u exactly for constant u: one step of dt equals two
        # steps of dt/2, i.e. (Abar, Bbar)(dt) = (Ah^2, Ah*Bh + Bh) with (Ah, Bh)(dt/2).
        dt = self.uniform(0.01, 2.0, 4, 5)
        a = -self.uniform(0.1, 3.0, 4, 5)
        b = self.normal(4, 5)
        a_full, b_full = ops.discretize(dt, a, b, method="zoh")
        a_half, b_half = ops.discretize(dt / 2, a, b, method="zoh")
        self.assertClose(a_full, a_half * a_half)
        self.assertClose(b_full, a_half * b_half + b_half)

    def test_zoh_at_zero_a_is_the_limit(self) -> None:
        dt, b = self.uniform(0.1, 1.0, 3), self.normal(3)
        a_bar, b_bar = ops.discretize(dt, np.zeros(3), b, method="zoh")
        self.assertClose(a_bar, np.ones(3))
        self.assertClose(b_bar, dt * b)

    def test_methods_agree_to_their_order(self) -> None:
        # Against ZOH, Euler and Mamba's rule are first-order accurate (local errors of
        # (dt*A)^2 and dt*(dt*A)*B), the bilinear rule second-order ((dt*A)^3, dt*(dt*A)^2*B).
        dt = 1e-3
        a, b = -self.uniform(0.5, 2.0, 6), self.normal(6)
        dta, b_max = dt * np.max(np.abs(a)), np.max(np.abs(b))
        a_zoh, b_zoh = ops.discretize(np.full(6, dt), a, b, method="zoh")
        for method, order in (("euler", 2), ("mamba", 2), ("bilinear", 3)):
            with self.subTest(method=method):
                a_bar, b_bar = ops.discretize(np.full(6, dt), a, b, method=method)
                self.assertLess(np.max(np.abs(a_bar - a_zoh)), dta**order)
                self.assertLess(np.max(np.abs(b_bar - b_zoh)), dt * dta ** (order - 1) * b_max)

    def test_unknown_method(self) -> None:
        with self.assertRaises(ValueError):
            ops.discretize([1.0], [1.0], method="rk4")


# ---------------------------------------------------------------------------------------------
# Scans
# ---------------------------------------------------------------------------------------------


def scan_combine(
    acc: tuple[np.ndarray, ...], new: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """The combiner of ssm.scan: (a1, b1) then (a2, b2) is (a1*a2, a2*b1 + b2)."""
    return acc[0] * new[0], new[0] * acc[1] + new[1]


class ScanTest(ReferenceTest):
    def test_hand_recurrence(self) -> None:
        a, b, h0 = [0.5, 2.0, -1.0], [1.0, 3.0, 0.25], 4.0
        expected, h = [], h0
        for a_t, b_t in zip(a, b):
            h = a_t * h + b_t
            expected.append(h)
        got, last = ops.scan(a, b, np.array(h0), dim=0)
        self.assertClose(got, expected)
        self.assertClose(last, expected[-1])

    def test_reverse_is_flipped_forward(self) -> None:
        a, b, h0 = self.normal(3, 7, 4), self.normal(3, 7, 4), self.normal(3, 4)
        h_rev, last_rev = ops.scan(a, b, h0, dim=1, reverse=True)
        h_fwd, last_fwd = ops.scan(a[:, ::-1], b[:, ::-1], h0, dim=1)
        self.assertClose(h_rev, h_fwd[:, ::-1])
        self.assertClose(last_rev, last_fwd)
        self.assertClose(last_rev, h_rev[:, 0])

    def test_empty_length(self) -> None:
        h0 = self.normal(2, 3)
        h, last = ops.scan(np.zeros((2, 0, 3)), np.zeros((2, 0, 3)), h0, dim=1)
        self.assertEqual(h.shape, (2, 0, 3))
        self.assertClose(last, h0)
        _, last = ops.scan(np.zeros((2, 3, 0)), np.zeros((2, 3, 0)), dim=2)
        self.assertClose(last, np.zeros((2, 3)))

    def test_split_continues_the_state(self) -> None:
        a, b, h0 = self.normal(2, 9, 3), self.normal(2, 9, 3), self.normal(2, 3)
        h, last = ops.scan(a, b, h0, dim=1)
        h1, mid = ops.scan(a[:, :4], b[:, :4], h0, dim=1)
        h2, last2 = ops.scan(a[:, 4:], b[:, 4:], mid, dim=1)
        self.assertClose(h, np.concatenate([h1, h2], axis=1))
        self.assertClose(last, last2)

    def test_associative_scan_with_the_scan_combiner(self) -> None:
        # With h0 folded into the first element (b_0 + a_0 * h0), the b-part of the inclusive
        # scan is h; the a-part is the running product.
        for dim in range(3):
            for reverse in (False, True):
                with self.subTest(dim=dim, reverse=reverse):
                    a, b = self.normal(4, 5, 6), self.normal(4, 5, 6)
                    h0 = self.normal(*np.delete(a.shape, dim))
                    h, _ = ops.scan(a, b, h0, dim=dim, reverse=reverse)
                    first = a.shape[dim] - 1 if reverse else 0
                    index = [slice(None)] * 3
                    index[dim] = first
                    folded = b.copy()
                    folded[tuple(index)] += a[tuple(index)] * h0
                    prod, got = ops.associative_scan(
                        [a, folded], scan_combine, dim=dim, reverse=reverse
                    )
                    self.assertClose(got, h)
                    if reverse:
                        self.assertClose(prod, np.flip(np.cumprod(np.flip(a, dim), dim), dim))
                    else:
                        self.assertClose(prod, np.cumprod(a, dim))

    def test_associative_scan_cumsum(self) -> None:
        x = self.rng.integers(-50, 50, (3, 8))
        (forward,) = ops.associative_scan([x], lambda p, q: (p[0] + q[0],), dim=1)
        (backward,) = ops.associative_scan([x], lambda p, q: (p[0] + q[0],), dim=1, reverse=True)
        self.assertEqual(forward.dtype, x.dtype)
        np.testing.assert_array_equal(forward, np.cumsum(x, axis=1))
        np.testing.assert_array_equal(backward, np.cumsum(x[:, ::-1], axis=1)[:, ::-1])


# ---------------------------------------------------------------------------------------------
# Selective scan (Mamba-1)
# ---------------------------------------------------------------------------------------------


class SelectiveScanTest(ReferenceTest):
    def test_scalar_recurrence(self) -> None:
        length = 6
        u, delta, z = self.normal(length), self.normal(length), self.normal(length)
        b, c = self.normal(length), self.normal(length)
        a, d, bias, h0 = -self.uniform(0.2, 2.0, 1)[0], 0.7, 0.3, 1.5
        expected, h = [], h0
        for t in range(length):
            dt = scalar_softplus(delta[t] + bias)
            h = math.exp(dt * a) * h + dt * b[t] * u[t]
            expected.append((c[t] * h + d * u[t]) * scalar_silu(z[t]))
        y, last = ops.selective_scan(
            u.reshape(1, 1, length),
            delta.reshape(1, 1, length),
            np.array([[a]]),
            b.reshape(1, 1, 1, length),
            c.reshape(1, 1, 1, length),
            D=np.array([d]),
            z=z.reshape(1, 1, length),
            delta_bias=np.array([bias]),
            h0=np.array([[[h0]]]),
            delta_softplus=True,
        )
        self.assertClose(y.reshape(length), expected)
        self.assertClose(last.reshape(()), h)

    def test_equals_discretize_scan_contract(self) -> None:
        batch, channels, n, groups, length = 2, 6, 4, 3, 11
        u, delta, z = (self.normal(batch, channels, length) for _ in range(3))
        a = -self.uniform(0.1, 2.0, channels, n)
        b, c = self.normal(batch, groups, n, length), self.normal(batch, groups, n, length)
        d, bias, h0 = self.normal(channels), self.normal(channels), self.normal(batch, channels, n)
        y, last = ops.selective_scan(
            u, delta, a, b, c, D=d, z=z, delta_bias=bias, h0=h0, delta_softplus=True
        )

        # Per channel, expand the group axis by hand; discretize on (B, D, N, L) operands.
        b_d = np.stack([b[:, ch // (channels // groups)] for ch in range(channels)], axis=1)
        c_d = np.stack([c[:, ch // (channels // groups)] for ch in range(channels)], axis=1)
        dt = np.log1p(np.exp(delta + bias[:, None]))
        dt_full = np.broadcast_to(dt[:, :, None, :], b_d.shape)
        a_full = np.broadcast_to(a[None, :, :, None], b_d.shape)
        a_bar, b_bar = ops.discretize(dt_full, a_full, b_d, method="mamba")
        h, h_last = ops.scan(a_bar, b_bar * u[:, :, None, :], h0, dim=3)
        expected = np.einsum("bdnl,bdnl->bdl", c_d, h) + d[:, None] * u
        expected *= z / (1.0 + np.exp(-z))
        self.assertClose(y, expected)
        self.assertClose(last, h_last)

    def test_split_continues_the_state(self) -> None:
        batch, channels, n, length, cut = 1, 4, 3, 10, 7
        u, delta = self.normal(batch, channels, length), self.normal(batch, channels, length)
        a = -self.uniform(0.1, 2.0, channels, n)
        b, c = self.normal(batch, 1, n, length), self.normal(batch, 1, n, length)
        y, last = ops.selective_scan(u, delta, a, b, c, delta_softplus=True)
        y1, mid = ops.selective_scan(
            u[..., :cut], delta[..., :cut], a, b[..., :cut], c[..., :cut], delta_softplus=True
        )
        y2, last2 = ops.selective_scan(
            u[..., cut:], delta[..., cut:], a, b[..., cut:], c[..., cut:], h0=mid,
            delta_softplus=True,
        )
        self.assertClose(y, np.concatenate([y1, y2], axis=-1))
        self.assertClose(last, last2)

    def test_empty_length(self) -> None:
        h0 = self.normal(2, 3, 4)
        y, last = ops.selective_scan(
            np.zeros((2, 3, 0)), np.zeros((2, 3, 0)), -np.ones((3, 4)),
            np.zeros((2, 1, 4, 0)), np.zeros((2, 1, 4, 0)), h0=h0,
        )
        self.assertEqual(y.shape, (2, 3, 0))
        self.assertClose(last, h0)


# ---------------------------------------------------------------------------------------------
# SSD (Mamba-2) and its chunked steps
# ---------------------------------------------------------------------------------------------


class SSDTest(ReferenceTest):
    def inputs(
        self, batch: int, length: int, heads: int, head_dim: int, groups: int, n: int
    ) -> dict[str, np.ndarray]:
        """Random operands of ssm.ssd, every optional one included."""
        return {
            "x": self.normal(batch, length, heads, head_dim),
            "dt": self.normal(batch, length, heads),
            "A": -self.uniform(0.2, 3.0, heads),
            "B": self.normal(batch, length, groups, n),
            "C": self.normal(batch, length, groups, n),
            "D": self.normal(heads, head_dim),
            "z": self.normal(batch, length, heads, head_dim),
            "dt_bias": self.normal(heads),
            "h0": self.normal(batch, heads, head_dim, n),
        }

    def test_scalar_recurrence(self) -> None:
        length = 5
        x, dt, b, c = (self.normal(length) for _ in range(4))
        a, d, h0 = -0.8, 0.4, -0.6
        expected, state = [], h0
        for t in range(length):
            step = scalar_softplus(dt[t])
            state = math.exp(step * a) * state + step * x[t] * b[t]
            expected.append(state * c[t] + d * x[t])
        y, final = ops.ssd(
            x.reshape(1, length, 1, 1),
            dt.reshape(1, length, 1),
            np.array([a]),
            b.reshape(1, length, 1, 1),
            c.reshape(1, length, 1, 1),
            D=np.array([d]),
            h0=np.array(h0).reshape(1, 1, 1, 1),
            dt_softplus=True,
        )
        self.assertClose(y.reshape(length), expected)
        self.assertClose(final.reshape(()), state)

    def test_chunked_equals_recurrence(self) -> None:
        for length in (1, 5, 13, 16):
            for chunk in (1, 3, 4, 7, 16, 32):
                for with_h0 in (False, True):
                    with self.subTest(length=length, chunk=chunk, h0=with_h0):
                        args = self.inputs(2, length, 4, 3, 2, 5)
                        if not with_h0:
                            del args["h0"]
                        y, final = ops.ssd(**args, dt_softplus=True)
                        y_c, final_c = ops.ssd_chunked(**args, dt_softplus=True, chunk_size=chunk)
                        self.assertClose(y_c, y, rtol=1e-9, atol=1e-10)
                        self.assertClose(final_c, final, rtol=1e-9, atol=1e-10)

    def test_chunked_without_extras(self) -> None:
        args = self.inputs(1, 9, 2, 4, 1, 3)
        args = {k: args[k] for k in ("x", "dt", "A", "B", "C")}
        args["dt"] = np.abs(args["dt"])
        y, final = ops.ssd(**args)
        y_c, final_c = ops.ssd_chunked(**args, chunk_size=4)
        self.assertClose(y_c, y, rtol=1e-9, atol=1e-10)
        self.assertClose(final_c, final, rtol=1e-9, atol=1e-10)

    def test_equals_selective_scan(self) -> None:
        # SSD head h with its P channels is a selective scan over H*P channels d = h*P + p:
        # u[d] = x[h,p], delta[d] = dt[h], A[d, n] = A[h] for every n, delta_bias[d] =
        # dt_bias[h], D[d] = D[h,p], z[d] = z[h,p], h0[d] = h0[h,p]; B and C keep their G
        # groups (channel d falls in group (h*P + p) // (H*P/G) = h // (H/G)), moved to
        # (B, G, N, L). Then y[b,t,h,p] = y_ss[b, h*P+p, t] and S[h,p,n] = h_ss[h*P+p, n].
        batch, length, heads, head_dim, groups, n = 2, 7, 6, 3, 3, 4
        args = self.inputs(batch, length, heads, head_dim, groups, n)
        for skip in ("per head", "per channel"):
            with self.subTest(D=skip):
                if skip == "per head":
                    args["D"] = self.normal(heads)
                    d_ss = np.repeat(args["D"], head_dim)
                else:
                    args["D"] = self.normal(heads, head_dim)
                    d_ss = args["D"].reshape(heads * head_dim)
                y, final = ops.ssd(**args, dt_softplus=True)

                def channels(m: np.ndarray) -> np.ndarray:
                    """(B, L, H, P) -> (B, H*P, L)."""
                    return m.transpose(0, 2, 3, 1).reshape(batch, heads * head_dim, length)

                y_ss, h_ss = ops.selective_scan(
                    channels(args["x"]),
                    np.repeat(args["dt"].transpose(0, 2, 1), head_dim, axis=1),
                    np.repeat(args["A"], head_dim)[:, None] * np.ones(n),
                    args["B"].transpose(0, 2, 3, 1),
                    args["C"].transpose(0, 2, 3, 1),
                    D=d_ss,
                    z=channels(args["z"]),
                    delta_bias=np.repeat(args["dt_bias"], head_dim),
                    h0=args["h0"].reshape(batch, heads * head_dim, n),
                    delta_softplus=True,
                )
                expected_y = y_ss.reshape(batch, heads, head_dim, length).transpose(0, 3, 1, 2)
                self.assertClose(y, expected_y)
                self.assertClose(final, h_ss.reshape(batch, heads, head_dim, n))

    def test_dt_clamp(self) -> None:
        args = self.inputs(1, 6, 2, 2, 1, 3)
        raw = args.pop("dt")
        bias = args.pop("dt_bias")
        clamped = np.clip(np.log1p(np.exp(raw + bias)), 0.3, 0.9)
        y, final = ops.ssd(**args, dt=raw, dt_bias=bias, dt_softplus=True, dt_min=0.3, dt_max=0.9)
        y_ref, final_ref = ops.ssd(**args, dt=clamped)
        self.assertClose(y, y_ref)
        self.assertClose(final, final_ref)
        # Without softplus the default limits (0, inf) still clamp: negative steps become 0.
        y, _ = ops.ssd(**args, dt=raw)
        y_ref, _ = ops.ssd(**args, dt=np.maximum(raw, 0.0))
        self.assertClose(y, y_ref)

    def test_split_continues_the_state(self) -> None:
        args = self.inputs(2, 12, 2, 3, 1, 4)
        y, final = ops.ssd(**args, dt_softplus=True)
        first = {k: (v[:, :5] if k in ("x", "dt", "B", "C", "z") else v) for k, v in args.items()}
        second = {k: (v[:, 5:] if k in ("x", "dt", "B", "C", "z") else v) for k, v in args.items()}
        y1, mid = ops.ssd(**first, dt_softplus=True)
        second["h0"] = mid
        y2, final2 = ops.ssd(**second, dt_softplus=True)
        self.assertClose(y, np.concatenate([y1, y2], axis=1))
        self.assertClose(final, final2)

    def test_segsum(self) -> None:
        x = self.normal(2, 3, 6)
        s = ops.segsum(x)
        self.assertEqual(s.shape, (2, 3, 6, 6))
        cs = np.cumsum(x, axis=-1)
        for i in range(6):
            for j in range(6):
                if j <= i:
                    self.assertClose(s[..., i, j], cs[..., i] - cs[..., j], atol=1e-12)
                else:
                    self.assertTrue(np.all(s[..., i, j] == -np.inf))
        constant = ops.segsum(np.full(4, 0.5))
        i, j = np.indices((4, 4))
        self.assertClose(np.exp(constant), np.where(j <= i, np.exp(0.5 * (i - j)), 0.0))

    def test_state_passing_is_a_scan_over_chunks(self) -> None:
        batch, chunks, heads, head_dim, n = 2, 5, 3, 2, 4
        states = self.normal(batch, chunks, heads, head_dim, n)
        da = -self.uniform(0.0, 2.0, batch, heads, chunks)
        h0 = self.normal(batch, heads, head_dim, n)
        prev, final = ops.state_passing(states, da, h0)
        decay = np.broadcast_to(np.exp(da).transpose(0, 2, 1)[..., None, None], states.shape)
        h, last = ops.scan(decay, states, h0, dim=1)
        self.assertClose(final, last)
        self.assertClose(prev[:, 0], h0)
        self.assertClose(prev[:, 1:], h[:, :-1])

    def test_one_chunk_from_zero(self) -> None:
        # A single chunk with no incoming state: chunk_state is the final state of the
        # recurrence and chunk_scan its outputs (before D and z).
        args = self.inputs(1, 6, 2, 3, 1, 4)
        dt = np.abs(args["dt"])
        y, final = ops.ssd(args["x"], dt, args["A"], args["B"], args["C"])
        x_dt = (args["x"] * dt[..., None])[:, None]
        da = (dt * args["A"]).transpose(0, 2, 1)[:, :, None, :]
        cs = np.cumsum(da, axis=-1)
        b, c = args["B"][:, None], args["C"][:, None]
        states = ops.chunk_state(b, x_dt, cs)
        self.assertClose(states[:, 0], final)
        seg = ops.segsum(da)
        y_c = ops.chunk_scan(c, b, x_dt, cs, seg, np.zeros_like(states))
        self.assertClose(y_c[:, 0], y)
        # Only s <= l is summed: finite junk above the diagonal of seg changes nothing.
        upper = np.triu(np.ones(seg.shape[-2:], dtype=bool), k=1)
        junk = np.where(upper, self.normal(*seg.shape), seg)
        y_junk = ops.chunk_scan(c, b, x_dt, cs, junk, np.zeros_like(states))
        self.assertClose(y_junk, y_c)


# ---------------------------------------------------------------------------------------------
# Causal convolution and normalisation
# ---------------------------------------------------------------------------------------------


class CausalConv1dTest(ReferenceTest):
    def test_equals_numpy_convolve(self) -> None:
        batch, channels, length, width = 2, 3, 9, 4
        x, w = self.normal(batch, channels, length), self.normal(channels, width)
        bias, state = self.normal(channels), self.normal(batch, channels, width - 1)
        y, final = ops.causal_conv1d(x, w, bias, state)
        for b in range(batch):
            for c in range(channels):
                xs = np.concatenate([state[b, c], x[b, c]])
                expected = np.convolve(xs, w[c, ::-1], mode="valid") + bias[c]
                self.assertClose(y[b, c], expected)
                self.assertClose(final[b, c], xs[-(width - 1) :])

    def test_split_continues_the_state(self) -> None:
        for width in (1, 2, 4):
            for cut in (1, 3, 8):
                with self.subTest(width=width, cut=cut):
                    x, w, bias = self.normal(2, 3, 11), self.normal(3, width), self.normal(3)
                    y, final = ops.causal_conv1d(x, w, bias, activation="silu")
                    y1, mid = ops.causal_conv1d(x[..., :cut], w, bias, activation="silu")
                    y2, final2 = ops.causal_conv1d(x[..., cut:], w, bias, mid, "silu")
                    self.assertEqual(final.shape, (2, 3, width - 1))
                    self.assertClose(y, np.concatenate([y1, y2], axis=-1))
                    self.assertClose(final, final2)

    def test_silu_activation(self) -> None:
        x, w = self.normal(1, 4, 6), self.normal(4, 3)
        y, _ = ops.causal_conv1d(x, w)
        y_silu, _ = ops.causal_conv1d(x, w, activation="silu")
        self.assertClose(y_silu, y / (1.0 + np.exp(-y)))

    def test_decode_step(self) -> None:
        # L = 1 with a state: shift the state, take one dot product.
        x, w, state = self.normal(1, 2, 1), self.normal(2, 4), self.normal(1, 2, 3)
        y, final = ops.causal_conv1d(x, w, state=state)
        window = np.concatenate([state, x], axis=-1)
        self.assertClose(y[..., 0], np.sum(window * w, axis=-1))
        self.assertClose(final, window[..., 1:])


class NormTest(ReferenceTest):
    def test_rms_norm_identity(self) -> None:
        x, w = self.normal(3, 5, 16), self.normal(16)
        y = ops.rms_norm(x, w, eps=1e-3)
        rms = np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + 1e-3)
        self.assertClose(y * rms, x * w)
        unit = ops.rms_norm(x, np.ones(16), eps=1e-12)
        self.assertClose(np.mean(unit**2, axis=-1), np.ones((3, 5)), rtol=1e-9)

    def test_gated_without_gate_is_rms_norm(self) -> None:
        x, w = self.normal(4, 12), self.normal(12)
        for group_size in (0, 12):
            self.assertClose(ops.gated_rms_norm(x, w, group_size=group_size), ops.rms_norm(x, w))

    def test_gate_order(self) -> None:
        x, w, z = self.normal(2, 3, 8), self.normal(8), self.normal(2, 3, 8)
        gate = z / (1.0 + np.exp(-z))
        after = ops.gated_rms_norm(x, w, z, eps=1e-4)
        before = ops.gated_rms_norm(x, w, z, eps=1e-4, norm_before_gate=True)
        self.assertClose(after, ops.rms_norm(x * gate, w, eps=1e-4))
        self.assertClose(before, ops.rms_norm(x, w, eps=1e-4) * gate)

    def test_groups_are_separate_norms(self) -> None:
        x, w, z = self.normal(3, 12), self.normal(12), self.normal(3, 12)
        for norm_before_gate in (False, True):
            with self.subTest(norm_before_gate=norm_before_gate):
                y = ops.gated_rms_norm(x, w, z, group_size=4, norm_before_gate=norm_before_gate)
                parts = [
                    ops.gated_rms_norm(
                        x[:, g : g + 4], w[g : g + 4], z[:, g : g + 4],
                        norm_before_gate=norm_before_gate,
                    )
                    for g in range(0, 12, 4)
                ]
                self.assertClose(y, np.concatenate(parts, axis=-1))

    def test_group_size_must_divide(self) -> None:
        with self.assertRaises(ValueError):
            ops.gated_rms_norm(np.ones((2, 6)), np.ones(6), group_size=4)


# ---------------------------------------------------------------------------------------------
# Attention and rotary embedding
# ---------------------------------------------------------------------------------------------


class AttentionTest(ReferenceTest):
    def test_direct_formula(self) -> None:
        batch, heads, lq, lk, dk, dv = 2, 3, 4, 5, 8, 6
        q, k = self.normal(batch, heads, lq, dk), self.normal(batch, heads, lk, dk)
        v = self.normal(batch, heads, lk, dv)
        out, present_k, present_v = ops.attention(q, k, v)
        expected = np.empty((batch, heads, lq, dv))
        for b in range(batch):
            for h in range(heads):
                for i in range(lq):
                    scores = [float(q[b, h, i] @ k[b, h, j]) / math.sqrt(dk) for j in range(lk)]
                    top = max(scores)
                    weights = [math.exp(s - top) for s in scores]
                    total = sum(weights)
                    expected[b, h, i] = sum(
                        weight / total * v[b, h, j] for j, weight in enumerate(weights)
                    )
        self.assertClose(out, expected)
        self.assertClose(present_k, k)
        self.assertClose(present_v, v)

    def test_gqa_reads_kv_head_h_over_group(self) -> None:
        q, k, v = self.normal(2, 6, 3, 4), self.normal(2, 2, 5, 4), self.normal(2, 2, 5, 7)
        out, present_k, _ = ops.attention(q, k, v, causal=True)
        self.assertEqual(present_k.shape, (2, 2, 5, 4))
        for h in range(6):
            single, _, _ = ops.attention(
                q[:, h : h + 1], k[:, h // 3 : h // 3 + 1], v[:, h // 3 : h // 3 + 1], causal=True
            )
            self.assertClose(out[:, h : h + 1], single)

    def test_cache_equals_full_sequence(self) -> None:
        batch, hq, hkv, total, new, dk, dv = 2, 4, 2, 9, 3, 8, 5
        q = self.normal(batch, hq, total, dk)
        k, v = self.normal(batch, hkv, total, dk), self.normal(batch, hkv, total, dv)
        past = total - new
        full, _, _ = ops.attention(q, k, v, causal=True, softcap=3.0)
        out, present_k, present_v = ops.attention(
            q[:, :, past:], k[:, :, past:], v[:, :, past:],
            past_key=k[:, :, :past], past_value=v[:, :, :past], causal=True, softcap=3.0,
        )
        self.assertClose(out, full[:, :, past:])
        self.assertClose(present_k, k)
        self.assertClose(present_v, v)

    def test_causal_equals_its_mask(self) -> None:
        q, k, v = self.normal(1, 2, 3, 4), self.normal(1, 2, 5, 4), self.normal(1, 2, 5, 4)
        past_k, past_v = self.normal(1, 2, 2, 4), self.normal(1, 2, 2, 4)
        i, j = np.indices((3, 7))
        mask = np.where(j > i + 2, -np.inf, 0.0)
        causal, _, _ = ops.attention(q, k, v, past_key=past_k, past_value=past_v, causal=True)
        masked, _, _ = ops.attention(q, k, v, mask, past_k, past_v)
        self.assertClose(causal, masked)

    def test_masks(self) -> None:
        q, k, v = self.normal(2, 4, 3, 8), self.normal(2, 2, 6, 8), self.normal(2, 2, 6, 8)
        keep = self.rng.random((3, 6)) < 0.6
        keep[:, 0] = True
        additive = np.where(keep, 0.0, -np.inf)
        by_bool, _, _ = ops.attention(q, k, v, keep)
        by_float, _, _ = ops.attention(q, k, v, additive)
        by_rank4, _, _ = ops.attention(q, k, v, np.broadcast_to(additive, (2, 4, 3, 6)))
        self.assertClose(by_bool, by_float)
        self.assertClose(by_rank4, by_float)
        bias = self.normal(2, 1, 3, 6)
        with_bias, _, _ = ops.attention(q, k, v, bias)
        tiled, _, _ = ops.attention(q, k, v, np.broadcast_to(bias, (2, 4, 3, 6)).copy())
        self.assertClose(with_bias, tiled)

    def test_masked_values_are_not_read(self) -> None:
        # The soft-cap comes before the mask, so -inf stays -inf: poisoned masked values
        # must not leak into the output.
        q, k, v = self.normal(1, 1, 2, 4), self.normal(1, 1, 4, 4), self.normal(1, 1, 4, 4)
        mask = np.array([[True, True, False, False]])
        out, _, _ = ops.attention(q, k, v, mask, softcap=0.5)
        v_poisoned = v.copy()
        v_poisoned[..., 2:, :] = 1e30
        poisoned, _, _ = ops.attention(q, k, v_poisoned, mask, softcap=0.5)
        self.assertClose(poisoned, out)
        kept, _, _ = ops.attention(q, k[..., :2, :], v[..., :2, :], softcap=0.5)
        self.assertClose(out, kept)

    def test_scale_and_softcap(self) -> None:
        q, k, v = self.normal(1, 2, 3, 16), self.normal(1, 2, 4, 16), self.normal(1, 2, 4, 16)
        scaled, _, _ = ops.attention(q, k, v, scale=0.37)
        rescaled_q, _, _ = ops.attention(q * 0.37 * 4.0, k, v)
        self.assertClose(scaled, rescaled_q)
        loose, _, _ = ops.attention(q, k, v, softcap=1e6)
        plain, _, _ = ops.attention(q, k, v)
        self.assertClose(loose, plain, rtol=1e-9, atol=1e-9)
        capped, _, _ = ops.attention(q * 100.0, k, v, softcap=1.0)
        # Every score is squashed into (-1, 1), so every weight is within e^2 of uniform.
        scores = np.einsum("bhid,bhjd->bhij", q * 100.0, k) / 4.0
        weights = np.exp(np.tanh(scores))
        weights /= weights.sum(-1, keepdims=True)
        self.assertClose(capped, np.einsum("bhij,bhjd->bhid", weights, v))

    def test_onnx_node_tests(self) -> None:
        """ONNX v1.22's Attention node tests (4-D, the outputs lm.attention has)."""
        if not ONNX_NODE_TESTS.is_dir():
            self.skipTest(f"{ONNX_NODE_TESTS} not found (set SSM_ONNX_NODE_TESTS)")
        scaled, softcap2 = {"scale": float(np.float32(0.01))}, {"softcap": 2.0}
        causal = {"causal": True}
        cases = {
            "test_attention_4d": {},
            "test_attention_4d_attn_mask": {},
            "test_attention_4d_attn_mask_3d": {},
            "test_attention_4d_attn_mask_3d_causal": causal,
            "test_attention_4d_attn_mask_4d": {},
            "test_attention_4d_attn_mask_4d_causal": causal,
            "test_attention_4d_attn_mask_bool": {},
            "test_attention_4d_attn_mask_bool_4d": {},
            "test_attention_4d_causal": causal,
            "test_attention_4d_diff_heads_sizes": {},
            "test_attention_4d_diff_heads_sizes_attn_mask": {},
            "test_attention_4d_diff_heads_sizes_causal": causal,
            "test_attention_4d_diff_heads_sizes_scaled": scaled,
            "test_attention_4d_diff_heads_sizes_softcap": softcap2,
            "test_attention_4d_diff_heads_with_past_and_present": {},
            "test_attention_4d_diff_heads_with_past_and_present_mask3d": {},
            "test_attention_4d_diff_heads_with_past_and_present_mask4d": {},
            "test_attention_4d_fp16": {},
            "test_attention_4d_gqa": {},
            "test_attention_4d_gqa_attn_mask": {},
            "test_attention_4d_gqa_causal": causal,
            "test_attention_4d_gqa_scaled": scaled,
            "test_attention_4d_gqa_softcap": softcap2,
            "test_attention_4d_gqa_with_past_and_present": {},
            "test_attention_4d_gqa_with_past_and_present_fp16": {},
            "test_attention_4d_scaled": scaled,
            "test_attention_4d_softcap": softcap2,
            "test_attention_4d_softcap_neginf_mask": {"softcap": 0.5},
            "test_attention_4d_softcap_neginf_mask_poison": {"softcap": 0.5},
            "test_attention_4d_with_past_and_present": {},
            "test_attention_4d_with_past_and_present_qk_matmul_bias_3d_mask_causal": causal,
            "test_attention_4d_with_past_and_present_qk_matmul_bias_4d_mask_causal": causal,
        }
        for name, attributes in cases.items():
            with self.subTest(name):
                folder = ONNX_NODE_TESTS / name / "test_data_set_0"
                inputs = [
                    tensor_pb.read_tensor(str(folder / f"input_{i}.pb")).array
                    for i in range(len(list(folder.glob("input_*.pb"))))
                ]
                q, k, v, *rest = inputs
                mask = rest[0] if rest else None
                past = rest[1:3] if len(rest) == 3 else [None, None]
                results = ops.attention(q, k, v, mask, *past, **attributes)
                tolerance = 2e-3 if q.dtype == np.float16 else 1e-5
                for index, result in enumerate(results[: 3 if len(rest) == 3 else 1]):
                    expected = tensor_pb.read_tensor(str(folder / f"output_{index}.pb")).array
                    self.assertEqual(expected.dtype, q.dtype)
                    self.assertClose(
                        result.astype(q.dtype), expected, rtol=tolerance, atol=tolerance
                    )


class RotaryTest(ReferenceTest):
    def angles(self, batch: int, length: int, half: int) -> np.ndarray:
        """Random rotation angles (batch, length, half)."""
        return self.uniform(-math.pi, math.pi, batch, length, half)

    def test_hand_value(self) -> None:
        x = np.array([1.0, 0.0, 2.0]).reshape(1, 1, 1, 3)  # pair (0, 1) and a passed channel
        theta = np.full((1, 1, 1), math.pi / 2)
        for interleaved in (False, True):
            y = ops.rotary(x, np.cos(theta), np.sin(theta), interleaved)
            self.assertClose(y.reshape(3), [0.0, 1.0, 2.0], atol=1e-15)

    def test_pairs_keep_their_norm_and_the_rest_passes(self) -> None:
        batch, heads, length, dh, half = 2, 3, 5, 10, 3
        x, theta = self.normal(batch, heads, length, dh), self.angles(batch, length, half)
        for interleaved in (False, True):
            with self.subTest(interleaved=interleaved):
                y = ops.rotary(x, np.cos(theta), np.sin(theta), interleaved)
                if interleaved:
                    pairs = [(2 * i, 2 * i + 1) for i in range(half)]
                else:
                    pairs = [(i, i + half) for i in range(half)]
                for first, second in pairs:
                    self.assertClose(
                        np.hypot(y[..., first], y[..., second]),
                        np.hypot(x[..., first], x[..., second]),
                    )
                self.assertClose(y[..., 2 * half :], x[..., 2 * half :])

    def test_angles_add(self) -> None:
        x = self.normal(1, 2, 4, 8)
        t1, t2 = self.angles(1, 4, 4), self.angles(1, 4, 4)
        for interleaved in (False, True):
            twice = ops.rotary(
                ops.rotary(x, np.cos(t1), np.sin(t1), interleaved), np.cos(t2), np.sin(t2),
                interleaved,
            )
            once = ops.rotary(x, np.cos(t1 + t2), np.sin(t1 + t2), interleaved)
            self.assertClose(twice, once)

    def test_interleaved_is_permuted_rotate_half(self) -> None:
        half, dh = 3, 8
        x, theta = self.normal(2, 2, 3, dh), self.angles(1, 3, half)
        to_half = list(range(0, 2 * half, 2)) + list(range(1, 2 * half, 2)) + list(
            range(2 * half, dh)
        )
        interleaved = ops.rotary(x, np.cos(theta), np.sin(theta), interleaved=True)
        rotate_half = ops.rotary(x[..., to_half], np.cos(theta), np.sin(theta))
        self.assertClose(interleaved[..., to_half], rotate_half)

    def test_cos_sin_broadcast_over_batch(self) -> None:
        x, theta = self.normal(3, 2, 4, 6), self.angles(1, 4, 3)
        shared = ops.rotary(x, np.cos(theta), np.sin(theta))
        tiled = np.repeat(theta, 3, axis=0)
        self.assertClose(shared, ops.rotary(x, np.cos(tiled), np.sin(tiled)))


# ---------------------------------------------------------------------------------------------
# TensorProto files
# ---------------------------------------------------------------------------------------------


def encode_varint(value: int) -> bytes:
    """Protobuf varint of a value in [0, 2**64); negative ints as 64-bit two's complement."""
    value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field(number: int, wire_type: int, payload: bytes) -> bytes:
    """One protobuf field; ``payload`` is already encoded (length added for wire type 2)."""
    key = encode_varint(number << 3 | wire_type)
    if wire_type == 2:
        return key + encode_varint(len(payload)) + payload
    return key + payload


class TensorPbTest(ReferenceTest):
    def random_array(self, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
        """Random values that dtype holds exactly (bf16: float32 values rounded to bf16)."""
        if dtype == "bool":
            return self.rng.random(shape) < 0.5
        numpy_dtype = tensor_pb.DTYPES[dtype][1]
        if np.issubdtype(numpy_dtype, np.integer):
            info = np.iinfo(numpy_dtype)
            return self.rng.integers(info.min, info.max, shape, dtype=numpy_dtype, endpoint=True)
        values = (self.normal(*shape) * 100).astype(numpy_dtype)
        return tensor_pb.to_bf16(values) if dtype == "bf16" else values

    def test_round_trip_every_dtype(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "t.pb")
            for dtype in tensor_pb.DTYPES:
                for shape in ((), (0,), (7,), (2, 3, 4)):
                    with self.subTest(dtype=dtype, shape=shape):
                        array = self.random_array(dtype, shape)
                        tensor_pb.write_tensor(path, array, f"t_{dtype}", dtype=dtype)
                        tensor = tensor_pb.read_tensor(path)
                        self.assertEqual((tensor.name, tensor.dtype), (f"t_{dtype}", dtype))
                        self.assertEqual(tensor.array.dtype, array.dtype)
                        np.testing.assert_array_equal(tensor.array, array)
            tensor_pb.write_tensor(path, np.arange(6, dtype=np.int16).reshape(2, 3))
            self.assertEqual(tensor_pb.read_tensor(path).dtype, "i16")

    def test_bf16_rounding(self) -> None:
        ulp = 2.0**-7  # bf16 keeps 7 fraction bits
        values = np.array(
            [1.0 + ulp / 2, 1.0 + 3 * ulp / 2, 1.0 + 0.51 * ulp, -(1.0 + ulp / 2), 3.4e38,
             np.inf, -np.inf, 0.0, 1e-40],
            dtype=np.float32,
        )
        expected = [1.0, 1.0 + 2 * ulp, 1.0 + ulp, -1.0, np.inf, np.inf, -np.inf, 0.0]
        got = tensor_pb.to_bf16(values)
        self.assertEqual(got.dtype, np.float32)
        np.testing.assert_array_equal(got[:8], expected)
        # A subnormal keeps its top bits: 1e-40 is 0x000116C2 -> 0x0001 -> 2**-133.
        self.assertEqual(float(got[8]), 2.0**-133)
        self.assertTrue(np.isnan(tensor_pb.to_bf16(np.array([np.nan], np.float32)))[0])
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "b.pb")
            tensor_pb.write_tensor(path, values, dtype="bf16")
            with open(path, "rb") as stream:
                data = stream.read()
            self.assertIn(b"\x80\x3f\x82\x3f", data)  # 1.0 and 1.0 + 2ulp, little-endian
            np.testing.assert_array_equal(tensor_pb.read_tensor(path).array, got)

    def test_typed_fields(self) -> None:
        dims = field(1, 2, encode_varint(2) + encode_varint(2))
        floats = np.array([1.5, -2.25, 3.0, 0.125], "<f4")
        ints = [-5, 7, -(2**31), 2**31 - 1]
        cases = [
            # f32, packed float_data
            (1, field(4, 2, floats.tobytes()), floats),
            # f32, one element per field (fixed32)
            (1, b"".join(field(4, 5, f.tobytes()) for f in floats), floats),
            # i32, packed and unpacked int32_data mixed
            (6, field(5, 2, b"".join(encode_varint(i) for i in ints[:2]))
             + b"".join(field(5, 0, encode_varint(i)) for i in ints[2:]), np.int32(ints)),
            # i64
            (7, field(7, 2, b"".join(encode_varint(i) for i in [-(2**63), 2**63 - 1, 0, -1])),
             np.array([-(2**63), 2**63 - 1, 0, -1], np.int64)),
            # f64
            (11, field(10, 2, np.array([0.1, -1e300, 2.0, 5.0], "<f8").tobytes()),
             np.array([0.1, -1e300, 2.0, 5.0])),
            # u64 and u32 in uint64_data
            (13, field(11, 2, b"".join(encode_varint(i) for i in [2**64 - 1, 0, 1, 2**40])),
             np.array([2**64 - 1, 0, 1, 2**40], np.uint64)),
            (12, field(11, 2, b"".join(encode_varint(i) for i in [2**32 - 1, 0, 1, 9])),
             np.array([2**32 - 1, 0, 1, 9], np.uint32)),
            # u8, i8, bool in int32_data
            (2, field(5, 2, b"".join(encode_varint(i) for i in [0, 255, 17, 1])),
             np.uint8([0, 255, 17, 1])),
            (3, field(5, 2, b"".join(encode_varint(i) for i in [-128, 127, -1, 0])),
             np.int8([-128, 127, -1, 0])),
            (9, field(5, 2, b"".join(encode_varint(i) for i in [1, 0, 0, 1])),
             np.array([True, False, False, True])),
            # f16 and bf16: their bit patterns in int32_data
            (10, field(5, 2, b"".join(encode_varint(i) for i in [0x3C00, 0xC000, 0x7C00, 0x0001])),
             np.array([1.0, -2.0, np.inf, 2.0**-24], np.float16)),
            (16, field(5, 2, b"".join(encode_varint(i) for i in [0x3F80, 0xC040, 0xFF80, 0x3E00])),
             np.array([1.0, -3.0, -np.inf, 0.125], np.float32)),
        ]
        for code, data_field, expected in cases:
            with self.subTest(data_type=code):
                message = dims + field(2, 0, encode_varint(code)) + data_field
                message += field(8, 2, b"typed")
                tensor = tensor_pb.parse_tensor(message)
                self.assertEqual(tensor.name, "typed")
                self.assertEqual(tensor.array.dtype, expected.dtype)
                np.testing.assert_array_equal(tensor.array, expected.reshape(2, 2))

    def test_unknown_fields_are_skipped(self) -> None:
        message = (
            field(12, 2, b"doc string")
            + field(1, 0, encode_varint(3))
            + field(99, 0, encode_varint(12345))
            + field(2, 0, encode_varint(6))
            + field(98, 1, b"\x00" * 8)
            + field(97, 5, b"\x00" * 4)
            + field(9, 2, np.int32([4, -5, 6]).astype("<i4").tobytes())
        )
        tensor = tensor_pb.parse_tensor(message)
        np.testing.assert_array_equal(tensor.array, np.int32([4, -5, 6]))

    def test_malformed(self) -> None:
        f32 = field(2, 0, encode_varint(1))
        dims3 = field(1, 0, encode_varint(3))
        good_raw = field(9, 2, np.zeros(3, "<f4").tobytes())
        cases = {
            "truncated field": (dims3 + f32 + good_raw)[:-2],
            "truncated varint": b"\x08\xff",
            "no data_type": dims3 + good_raw,
            "string dtype": dims3 + field(2, 0, encode_varint(8)) + good_raw,
            "raw size": dims3 + f32 + field(9, 2, b"\x00" * 11),
            "typed count": dims3 + f32 + field(4, 2, np.zeros(2, "<f4").tobytes()),
            "wrong typed field": dims3 + f32 + field(7, 2, encode_varint(1) * 3),
            "raw and typed": dims3 + f32 + good_raw + field(4, 2, np.zeros(3, "<f4").tobytes()),
            "group wire type": dims3 + f32 + b"\x1b",
            "field zero": b"\x00\x00",
            "external data": dims3 + f32 + field(14, 0, encode_varint(1)),
            "negative dim": field(1, 0, encode_varint(-1)) + f32,
        }
        for label, message in cases.items():
            with self.subTest(label):
                with self.assertRaises(ValueError):
                    tensor_pb.parse_tensor(message)
        with self.assertRaises(ValueError):
            tensor_pb.serialize_tensor(np.ones(3), dtype="i32")  # float -> int is refused

    def onnx_file(self, test: str, name: str) -> str:
        """The path of a file of an ONNX node test (skips when the suite is absent)."""
        path = ONNX_NODE_TESTS / test / "test_data_set_0" / name
        if not path.is_file():
            self.skipTest(f"{path} not found (set SSM_ONNX_NODE_TESTS)")
        return str(path)

    def test_onnx_abs(self) -> None:
        x = tensor_pb.read_tensor(self.onnx_file("test_abs", "input_0.pb"))
        y = tensor_pb.read_tensor(self.onnx_file("test_abs", "output_0.pb"))
        self.assertEqual((x.dtype, y.dtype), ("f32", "f32"))
        self.assertEqual(x.array.shape, (3, 4, 5))
        np.testing.assert_array_equal(y.array, np.abs(x.array))

    def test_onnx_cast_to_bf16(self) -> None:
        test = "test_cast_FLOAT_to_BFLOAT16"
        x = tensor_pb.read_tensor(self.onnx_file(test, "input_0.pb"))
        y = tensor_pb.read_tensor(self.onnx_file(test, "output_0.pb"))
        self.assertEqual((x.dtype, y.dtype, y.name), ("f32", "bf16", "output"))
        self.assertEqual(y.array.shape, x.array.shape)
        np.testing.assert_array_equal(y.array, tensor_pb.to_bf16(x.array))
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "y.pb")
            tensor_pb.write_tensor(path, y.array, y.name, dtype="bf16")
            with open(path, "rb") as mine, open(self.onnx_file(test, "output_0.pb"), "rb") as ref:
                ours = tensor_pb.parse_tensor(mine.read())
                theirs = tensor_pb.parse_tensor(ref.read())
            self.assertEqual((ours.name, ours.dtype), (theirs.name, theirs.dtype))
            np.testing.assert_array_equal(ours.array, theirs.array)


if __name__ == "__main__":
    print(f"ssm_reference self-checks, seed {SEED} (replay: SSM_REFERENCE_SEED={SEED})")
    unittest.main()
