"""NumPy reference semantics of the ``ssm`` and ``lm`` dialect operations.

Each function is the oracle for one operation (``docs/dialects/SSMDialect.md`` and
``docs/dialects/LMDialect.md`` define them). All arithmetic is done in float64: inputs of any
float dtype are upcast and results are float64 arrays; the caller rounds them to the type it
compares against. Recurrences are explicit loops over time, vectorised over every other
dimension, so that each line can be read against the op description.

Names of array parameters follow the op descriptions (``A``, ``B``, ``C``, ``D`` are the SSM
matrices), hence the upper-case argument names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "softplus",
    "silu",
    "discretize",
    "scan",
    "associative_scan",
    "selective_scan",
    "ssd",
    "segsum",
    "chunk_state",
    "state_passing",
    "chunk_scan",
    "ssd_chunked",
    "causal_conv1d",
    "gated_rms_norm",
    "attention",
    "rms_norm",
    "rotary",
]


def _f64(x: ArrayLike) -> np.ndarray:
    """Returns ``x`` as a float64 array (a copy only when a conversion is needed)."""
    return np.asarray(x, dtype=np.float64)


def _opt_f64(x: ArrayLike | None) -> np.ndarray | None:
    """Like `_f64`, passing None through."""
    return None if x is None else _f64(x)


def softplus(x: ArrayLike) -> np.ndarray:
    """``softplus(x) = log(1 + exp(x))``, computed without overflow as ``logaddexp(0, x)``."""
    return np.logaddexp(0.0, _f64(x))


def silu(x: ArrayLike) -> np.ndarray:
    """``silu(x) = x * sigmoid(x) = x / (1 + exp(-x))``."""
    x = _f64(x)
    with np.errstate(over="ignore"):
        return x / (1.0 + np.exp(-x))


def _group_to_channels(m: np.ndarray, axis: int, channels: int) -> np.ndarray:
    """Repeats each of the ``G`` groups on ``axis`` ``channels / G`` times.

    Channel ``c`` of the result is group ``c // (channels / G)`` of ``m``: the group rule of
    every op here (``g = d / (D / G)``, ``g = h / (H / G)``, ``kv = h / (Hq / Hkv)``).
    """
    groups = m.shape[axis]
    if groups < 1 or channels % groups != 0:
        raise ValueError(f"{groups} groups do not divide {channels} channels")
    return np.repeat(m, channels // groups, axis=axis)


def _skip_and_gate(
    y: np.ndarray, x: np.ndarray, D: np.ndarray | None, z: np.ndarray | None
) -> np.ndarray:
    """``y + D * x`` (when D is given), then ``* silu(z)`` (when z is given).

    ``D`` must already be broadcastable against ``x``.
    """
    if D is not None:
        y = y + D * x
    if z is not None:
        y = y * silu(z)
    return y


# ---------------------------------------------------------------------------------------------
# ssm dialect
# ---------------------------------------------------------------------------------------------


def discretize(
    dt: ArrayLike, A: ArrayLike, B: ArrayLike | None = None, *, method: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """``ssm.discretize``: discrete ``(Abar, Bbar)`` of a diagonal SSM, element by element.

    ============  ================================  ==============================
    method        Abar                              Bbar
    ============  ================================  ==============================
    ``zoh``       ``exp(dt*A)``                     ``(exp(dt*A) - 1) / A * B``
    ``euler``     ``1 + dt*A``                      ``dt*B``
    ``bilinear``  ``(1 + dt*A/2) / (1 - dt*A/2)``   ``dt*B / (1 - dt*A/2)``
    ``mamba``     ``exp(dt*A)``                     ``dt*B``
    ============  ================================  ==============================

    For ``zoh`` at ``A = 0`` the limit ``dt*B`` is returned (``expm1(dt*A) / A -> dt``).
    Operands broadcast against each other. ``Bbar`` is None when ``B`` is.
    """
    operands = [_f64(dt), _f64(A)] + ([] if B is None else [_f64(B)])
    dt, A, *rest = np.broadcast_arrays(*operands)
    dtA = dt * A
    if method == "zoh":
        a_bar = np.exp(dtA)
        safe_a = np.where(A == 0.0, 1.0, A)
        b_factor = np.where(A == 0.0, dt, np.expm1(dtA) / safe_a)
    elif method == "euler":
        a_bar = 1.0 + dtA
        b_factor = dt
    elif method == "bilinear":
        denominator = 1.0 - dtA / 2.0
        a_bar = (1.0 + dtA / 2.0) / denominator
        b_factor = dt / denominator
    elif method == "mamba":
        a_bar = np.exp(dtA)
        b_factor = dt
    else:
        raise ValueError(f"unknown discretization method '{method}'")
    return a_bar, (b_factor * rest[0] if rest else None)


def _check_dim(dim: int, rank: int) -> int:
    """Validates a scan dimension (``0 <= dim < rank``, as the verifiers demand)."""
    if not 0 <= dim < rank:
        raise ValueError(f"dim {dim} is out of range for rank {rank}")
    return dim


def scan(
    a: ArrayLike,
    b: ArrayLike,
    h0: ArrayLike | None = None,
    *,
    dim: int,
    reverse: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """``ssm.scan``: the first-order linear recurrence ``h_t = a_t * h_{t-1} + b_t``.

    Runs along ``dim`` for t = 0 .. L-1 (with ``reverse``, t = L-1 .. 0 and ``h_{t+1}`` in
    place of ``h_{t-1}``), starting from ``h0`` (zeros when None), which has the shape of
    ``a`` without ``dim``. Returns every ``h_t`` (the shape of ``a``) and the state after the
    final step: ``h_{L-1}``, or ``h_0`` with ``reverse``; ``h0`` (or zeros) when L = 0.
    """
    a, b = _f64(a), _f64(b)
    if a.shape != b.shape:
        raise ValueError(f"scan: a {a.shape} and b {b.shape} differ in shape")
    dim = _check_dim(dim, a.ndim)
    a_t = np.moveaxis(a, dim, 0)
    b_t = np.moveaxis(b, dim, 0)
    state_shape = a_t.shape[1:]
    h = np.zeros(state_shape) if h0 is None else _f64(h0).copy()
    if h.shape != state_shape:
        raise ValueError(f"scan: h0 is {h.shape}, expected {state_shape}")
    out = np.empty_like(a_t)
    steps = range(a_t.shape[0] - 1, -1, -1) if reverse else range(a_t.shape[0])
    for t in steps:
        h = a_t[t] * h + b_t[t]
        out[t] = h
    return np.moveaxis(out, 0, dim), h


def associative_scan(
    inputs: Sequence[ArrayLike],
    combine: Callable[[tuple[np.ndarray, ...], tuple[np.ndarray, ...]], tuple[np.ndarray, ...]],
    *,
    dim: int,
    reverse: bool = False,
) -> list[np.ndarray]:
    """``ssm.associative_scan``: the inclusive scan of ``n`` tensors under ``combine``.

    ``out_0 = x_0`` and ``out_t = combine(out_{t-1}, x_t)`` along ``dim`` (with ``reverse``:
    ``out_{L-1} = x_{L-1}`` and ``out_t = combine(out_{t+1}, x_t)``). ``combine`` takes the
    running tuple and the new element's tuple (each a tuple of ``n`` arrays: slices of the
    inputs at one step, so it acts elementwise) and returns a tuple of ``n`` arrays. Float
    inputs are upcast to float64; other dtypes (ints, bools) are kept.
    """
    arrays = [np.asarray(x) for x in inputs]
    if not arrays:
        raise ValueError("associative_scan: needs at least one input")
    arrays = [_f64(x) if np.issubdtype(x.dtype, np.floating) else x for x in arrays]
    shape = arrays[0].shape
    if any(x.shape != shape for x in arrays):
        raise ValueError("associative_scan: inputs differ in shape")
    dim = _check_dim(dim, len(shape))
    moved = [np.moveaxis(x, dim, 0) for x in arrays]
    outs = [np.empty_like(x) for x in moved]
    length = shape[dim]
    steps = list(range(length - 1, -1, -1) if reverse else range(length))
    acc: tuple[np.ndarray, ...] = ()
    for i, t in enumerate(steps):
        element = tuple(x[t] for x in moved)
        acc = element if i == 0 else tuple(combine(acc, element))
        if len(acc) != len(moved):
            raise ValueError(f"associative_scan: combiner returned {len(acc)} values")
        for out, value in zip(outs, acc):
            out[t] = value
    return [np.moveaxis(out, 0, dim) for out in outs]


def selective_scan(
    u: ArrayLike,
    delta: ArrayLike,
    A: ArrayLike,
    B: ArrayLike,
    C: ArrayLike,
    D: ArrayLike | None = None,
    z: ArrayLike | None = None,
    delta_bias: ArrayLike | None = None,
    h0: ArrayLike | None = None,
    delta_softplus: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """``ssm.selective_scan`` (Mamba-1).

    Shapes: ``u, delta, z (Bt, Dm, L)``, ``A (Dm, N)``, ``B, C (Bt, G, N, L)``,
    ``D, delta_bias (Dm)``, ``h0 (Bt, Dm, N)``. With ``g = d // (Dm / G)`` and ``h = h0``
    (zeros when None), for t = 0 .. L-1::

        dt   = delta[b,d,t] + delta_bias[d]          (softplus(...) with delta_softplus)
        h[n] = exp(dt * A[d,n]) * h[n] + dt * B[b,g,n,t] * u[b,d,t]
        y    = sum_n C[b,g,n,t] * h[n] + D[d] * u[b,d,t]
        y    = y * silu(z[b,d,t])

    Returns ``y (Bt, Dm, L)`` and the state after the last step ``h_last (Bt, Dm, N)``.
    """
    u, delta, A, B, C = _f64(u), _f64(delta), _f64(A), _f64(B), _f64(C)
    batch, channels, length = u.shape
    n_state = A.shape[1]
    if delta.shape != u.shape or A.shape != (channels, n_state):
        raise ValueError("selective_scan: u, delta must be (B,D,L) and A (D,N)")
    if B.shape != C.shape or B.ndim != 4 or B.shape != (batch, B.shape[1], n_state, length):
        raise ValueError("selective_scan: B and C must be (B,G,N,L)")
    B_d = _group_to_channels(B, 1, channels)  # (Bt, Dm, N, L)
    C_d = _group_to_channels(C, 1, channels)
    if delta_bias is not None:
        delta = delta + _f64(delta_bias)[:, None]
    dt = softplus(delta) if delta_softplus else delta
    h = np.zeros((batch, channels, n_state)) if h0 is None else _f64(h0).copy()
    y = np.empty((batch, channels, length))
    for t in range(length):
        dt_t = dt[:, :, t, None]  # (Bt, Dm, 1)
        h = np.exp(dt_t * A) * h + dt_t * B_d[:, :, :, t] * u[:, :, t, None]
        y[:, :, t] = np.sum(C_d[:, :, :, t] * h, axis=-1)
    D_b = None if D is None else _f64(D)[:, None]
    return _skip_and_gate(y, u, D_b, _opt_f64(z)), h


def _ssd_dt(
    dt: np.ndarray,
    dt_bias: ArrayLike | None,
    dt_softplus: bool,
    dt_min: float,
    dt_max: float,
) -> np.ndarray:
    """The step sizes of ``ssm.ssd``: ``clamp(softplus?(dt + dt_bias), dt_min, dt_max)``."""
    if dt_bias is not None:
        dt = dt + _f64(dt_bias)
    if dt_softplus:
        dt = softplus(dt)
    return np.clip(dt, dt_min, dt_max)


def _check_ssd_bc(B: np.ndarray, C: np.ndarray, batch: int, length: int) -> None:
    """Checks that ``B`` and ``C`` are one ``(Bt, L, G, N)`` shape."""
    if B.shape != C.shape or B.ndim != 4 or B.shape[:2] != (batch, length):
        raise ValueError(f"ssd: B {B.shape} and C {C.shape} must be ({batch}, {length}, G, N)")


def _ssd_skip(D: ArrayLike | None) -> np.ndarray | None:
    """``D (H)`` or ``(H, P)`` as an array broadcastable against ``x (Bt, L, H, P)``."""
    if D is None:
        return None
    D = _f64(D)
    return D[:, None] if D.ndim == 1 else D


def ssd(
    x: ArrayLike,
    dt: ArrayLike,
    A: ArrayLike,
    B: ArrayLike,
    C: ArrayLike,
    D: ArrayLike | None = None,
    z: ArrayLike | None = None,
    dt_bias: ArrayLike | None = None,
    h0: ArrayLike | None = None,
    dt_softplus: bool = False,
    dt_min: float = 0.0,
    dt_max: float = float("inf"),
) -> tuple[np.ndarray, np.ndarray]:
    """``ssm.ssd`` (Mamba-2) as its recurrence.

    Shapes: ``x, z (Bt, L, H, P)``, ``dt (Bt, L, H)``, ``A (H)``, ``B, C (Bt, L, G, N)``,
    ``D (H) or (H, P)``, ``dt_bias (H)``, ``h0 (Bt, H, P, N)``. Per batch b and head h with
    ``g = h // (H / G)`` and the state ``S = h0[b,h]`` (zeros when None) of shape (P, N),
    for t = 0 .. L-1::

        dt = clamp(f(dt[b,t,h] + dt_bias[h]), dt_min, dt_max)   f = softplus with
                                                               dt_softplus, else identity
        S  = exp(dt * A[h]) * S + dt * outer(x[b,t,h,:], B[b,t,g,:])
        y[b,t,h,:] = S @ C[b,t,g,:] + D[h] * x[b,t,h,:]
        y[b,t,h,:] *= silu(z[b,t,h,:])

    Returns ``y (Bt, L, H, P)`` and the final state ``(Bt, H, P, N)``.
    """
    x, A, B, C = _f64(x), _f64(A), _f64(B), _f64(C)
    batch, length, heads, head_dim = x.shape
    _check_ssd_bc(B, C, batch, length)
    n_state = B.shape[3]
    step = _ssd_dt(_f64(dt), dt_bias, dt_softplus, dt_min, dt_max)  # (Bt, L, H)
    B_h = _group_to_channels(B, 2, heads)  # (Bt, L, H, N)
    C_h = _group_to_channels(C, 2, heads)
    S = np.zeros((batch, heads, head_dim, n_state)) if h0 is None else _f64(h0).copy()
    y = np.empty_like(x)
    for t in range(length):
        dt_t = step[:, t, :, None, None]  # (Bt, H, 1, 1)
        outer = x[:, t, :, :, None] * B_h[:, t, :, None, :]  # (Bt, H, P, N)
        S = np.exp(dt_t * A[:, None, None]) * S + dt_t * outer
        y[:, t] = np.einsum("bhpn,bhn->bhp", S, C_h[:, t])
    return _skip_and_gate(y, x, _ssd_skip(D), _opt_f64(z)), S


def segsum(x: ArrayLike) -> np.ndarray:
    """``ssm.segsum``: ``s[..., i, j] = x[..., j+1] + ... + x[..., i]`` for ``j <= i``.

    The diagonal is 0 and ``s[..., i, j] = -inf`` for ``j > i``. The segments are summed
    directly (row i extends row i-1 by ``x[i]``), not as differences of a cumulative sum.
    """
    x = _f64(x)
    length = x.shape[-1]
    s = np.full(x.shape + (length,), -np.inf)
    for i in range(length):
        if i > 0:
            s[..., i, :i] = s[..., i - 1, :i] + x[..., i, None]
        s[..., i, i] = 0.0
    return s


def chunk_state(B: ArrayLike, x: ArrayLike, dA_cumsum: ArrayLike) -> np.ndarray:
    """``ssm.chunk_state``: the state each chunk reaches when it starts from zero.

    ``B (b, nc, Q, G, N)``, ``x (b, nc, Q, H, P)`` (already scaled by dt),
    ``cs = dA_cumsum (b, H, nc, Q)``; with ``g = h // (H / G)``::

        states[b,c,h,p,n] = sum_l B[b,c,l,g,n] * exp(cs[b,h,c,Q-1] - cs[b,h,c,l])
                                  * x[b,c,l,h,p]

    Returns ``states (b, nc, H, P, N)``.
    """
    B, x, cs = _f64(B), _f64(x), _f64(dA_cumsum)
    B_h = _group_to_channels(B, 3, x.shape[3])  # (b, nc, Q, H, N)
    decay = np.exp(cs[..., -1:] - cs)  # (b, H, nc, Q)
    return np.einsum("bclhn,bhcl,bclhp->bchpn", B_h, decay, x)


def state_passing(
    states: ArrayLike, dA_chunk: ArrayLike, h0: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``ssm.state_passing``: the recurrence over chunks.

    ``states (b, nc, H, P, N)``, ``dA_chunk (b, H, nc)``, ``h0 (b, H, P, N)``. With
    ``s = h0`` (zeros when None), for c = 0 .. nc-1::

        prev_states[b,c] = s
        s = exp(dA_chunk[b,h,c]) * s + states[b,c]

    Returns ``prev_states (b, nc, H, P, N)`` (the state entering each chunk) and the final
    ``s (b, H, P, N)``.
    """
    states, dA_chunk = _f64(states), _f64(dA_chunk)
    s = np.zeros(states.shape[:1] + states.shape[2:]) if h0 is None else _f64(h0).copy()
    prev_states = np.empty_like(states)
    for c in range(states.shape[1]):
        prev_states[:, c] = s
        s = np.exp(dA_chunk[:, :, c, None, None]) * s + states[:, c]
    return prev_states, s


def chunk_scan(
    C: ArrayLike,
    B: ArrayLike,
    x: ArrayLike,
    dA_cumsum: ArrayLike,
    segsum: ArrayLike,
    prev_states: ArrayLike,
) -> np.ndarray:
    """``ssm.chunk_scan``: the SSD outputs of each chunk.

    ``C, B (b, nc, Q, G, N)``, ``x (b, nc, Q, H, P)`` (already scaled by dt),
    ``cs = dA_cumsum (b, H, nc, Q)``, ``seg = segsum (b, H, nc, Q, Q)``,
    ``prev_states (b, nc, H, P, N)``; with ``g = h // (H / G)``::

        y[b,c,l,h,p] = sum_{s <= l} (C[b,c,l,g,:] . B[b,c,s,g,:]) * exp(seg[b,h,c,l,s])
                                    * x[b,c,s,h,p]
                     + exp(cs[b,h,c,l]) * sum_n C[b,c,l,g,n] * prev_states[b,c,h,p,n]

    Entries of ``seg`` above the diagonal (s > l) are not read. Returns
    ``y (b, nc, Q, H, P)``.
    """
    C, B, x = _f64(C), _f64(B), _f64(x)
    cs, seg, prev = _f64(dA_cumsum), _f64(segsum), _f64(prev_states)
    heads, q_len = x.shape[3], x.shape[2]
    C_h = _group_to_channels(C, 3, heads)  # (b, nc, Q, H, N)
    B_h = _group_to_channels(B, 3, heads)
    causal = np.tril(np.ones((q_len, q_len), dtype=bool))
    decay = np.exp(np.where(causal, seg, 0.0)) * causal  # (b, H, nc, Q, Q)
    scores = np.einsum("bclhn,bcshn->bhcls", C_h, B_h) * decay
    intra = np.einsum("bhcls,bcshp->bclhp", scores, x)
    inter = np.einsum("bclhn,bchpn,bhcl->bclhp", C_h, prev, np.exp(cs))
    return intra + inter


def ssd_chunked(
    x: ArrayLike,
    dt: ArrayLike,
    A: ArrayLike,
    B: ArrayLike,
    C: ArrayLike,
    D: ArrayLike | None = None,
    z: ArrayLike | None = None,
    dt_bias: ArrayLike | None = None,
    h0: ArrayLike | None = None,
    dt_softplus: bool = False,
    dt_min: float = 0.0,
    dt_max: float = float("inf"),
    *,
    chunk_size: int,
) -> tuple[np.ndarray, np.ndarray]:
    """`ssd` computed by the chunked algorithm, to check that both forms agree.

    The steps are those of ``ssm.ssd``'s decomposition: with ``dt`` processed as in `ssd`,
    L padded to a multiple of ``Q = chunk_size`` by steps with ``dt = 0`` and ``x = 0``
    (which leave the state unchanged), ``dA = dt * A`` split into chunks::

        cs          = cumsum(dA) within each chunk          (b, H, nc, Q)
        seg         = segsum(dA)                            (b, H, nc, Q, Q)
        states      = chunk_state(B, x * dt, cs)
        prev, final = state_passing(states, cs[..., Q-1], h0)
        y           = chunk_scan(C, B, x * dt, cs, seg, prev) + D * x, then * silu(z)

    Returns ``y (Bt, L, H, P)`` and ``final (Bt, H, P, N)``.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    x, A, B, C = _f64(x), _f64(A), _f64(B), _f64(C)
    batch, length, heads, head_dim = x.shape
    _check_ssd_bc(B, C, batch, length)
    step = _ssd_dt(_f64(dt), dt_bias, dt_softplus, dt_min, dt_max)  # (Bt, L, H)
    n_chunks = -(-length // chunk_size)
    pad = n_chunks * chunk_size - length

    def chunks(m: np.ndarray) -> np.ndarray:
        """Pads the time axis (1) with zeros and splits it into (nc, Q)."""
        widths = [(0, 0)] * m.ndim
        widths[1] = (0, pad)
        m = np.pad(m, widths)
        return m.reshape((batch, n_chunks, chunk_size) + m.shape[2:])

    x_dt = chunks(x * step[..., None])  # (b, nc, Q, H, P)
    B_c, C_c = chunks(B), chunks(C)  # (b, nc, Q, G, N)
    dA = chunks(step * A).transpose(0, 3, 1, 2)  # (b, H, nc, Q)
    cs = np.cumsum(dA, axis=-1)
    seg = segsum(dA)
    states = chunk_state(B_c, x_dt, cs)
    prev, final = state_passing(states, cs[..., -1], h0)
    y = chunk_scan(C_c, B_c, x_dt, cs, seg, prev)
    y = y.reshape(batch, n_chunks * chunk_size, heads, head_dim)[:, :length]
    return _skip_and_gate(y, x, _ssd_skip(D), _opt_f64(z)), final


def causal_conv1d(
    x: ArrayLike,
    w: ArrayLike,
    bias: ArrayLike | None = None,
    state: ArrayLike | None = None,
    activation: str = "none",
) -> tuple[np.ndarray, np.ndarray]:
    """``ssm.causal_conv1d``: depthwise causal convolution with carried state.

    ``x (Bt, C, L)``, ``w (C, K)``, ``bias (C)``, ``state (Bt, C, K-1)``. With
    ``xs = concat(state or zeros, x)`` along the sequence::

        y[b,c,t]    = act(bias[c] + sum_{k=0}^{K-1} w[c,k] * xs[b,c,t+k])
        final_state = xs[:, :, -(K-1):]            (the last K-1 columns; empty when K = 1)

    ``act`` is the identity (``'none'``) or ``silu`` (``'silu'``).
    """
    x, w = _f64(x), _f64(w)
    batch, channels, length = x.shape
    if w.ndim != 2 or w.shape[0] != channels or w.shape[1] < 1:
        raise ValueError(f"causal_conv1d: w is {w.shape}, expected ({channels}, K)")
    if activation not in ("none", "silu"):
        raise ValueError(f"causal_conv1d: unknown activation '{activation}'")
    width = w.shape[1]
    history = np.zeros((batch, channels, width - 1)) if state is None else _f64(state)
    if history.shape != (batch, channels, width - 1):
        raise ValueError(f"causal_conv1d: state is {history.shape}, expected (B, C, K-1)")
    xs = np.concatenate([history, x], axis=2)
    y = np.zeros((batch, channels, length))
    for k in range(width):
        y += w[None, :, k, None] * xs[:, :, k : k + length]
    if bias is not None:
        y += _f64(bias)[None, :, None]
    if activation == "silu":
        y = silu(y)
    return y, xs[:, :, xs.shape[2] - (width - 1) :]


def gated_rms_norm(
    x: ArrayLike,
    w: ArrayLike,
    z: ArrayLike | None = None,
    eps: float = 1e-5,
    group_size: int = 0,
    norm_before_gate: bool = False,
) -> np.ndarray:
    """``ssm.gated_rms_norm``: grouped RMS normalisation of the last dimension with a gate.

    ``x, z (..., D)``, ``w (D)``. With ``rms(v) = v / sqrt(mean(v^2 over the group) + eps)``
    over consecutive groups of ``group_size`` channels (0 means one group of D)::

        z is None:                y = rms(x) * w
        norm_before_gate False:   y = rms(x * silu(z)) * w
        norm_before_gate True:    y = rms(x) * w * silu(z)
    """
    x, w = _f64(x), _f64(w)
    width = x.shape[-1]
    size = width if group_size == 0 else group_size
    if size < 1 or width % size != 0:
        raise ValueError(f"gated_rms_norm: group_size {group_size} does not divide {width}")
    gate = None if z is None else silu(z)
    v = x if gate is None or norm_before_gate else x * gate
    grouped = v.reshape(v.shape[:-1] + (width // size, size))
    mean_square = np.mean(grouped * grouped, axis=-1, keepdims=True)
    y = (grouped / np.sqrt(mean_square + eps)).reshape(v.shape) * w
    if gate is not None and norm_before_gate:
        y = y * gate
    return y


# ---------------------------------------------------------------------------------------------
# lm dialect
# ---------------------------------------------------------------------------------------------


def attention(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    mask: ArrayLike | None = None,
    past_key: ArrayLike | None = None,
    past_value: ArrayLike | None = None,
    causal: bool = False,
    scale: float | None = None,
    softcap: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``lm.attention``: scaled dot-product attention with GQA, mask, soft-cap and KV cache.

    ``q (B, Hq, Lq, Dk)``, ``k (B, Hkv, Lk, Dk)``, ``v (B, Hkv, Lk, Dv)``, ``past_key
    (B, Hkv, Lp, Dk)``, ``past_value (B, Hkv, Lp, Dv)``. With ``K = concat(past_key, k)``,
    ``V = concat(past_value, v)`` (T = Lp + Lk steps) and query head h reading kv head
    ``h // (Hq / Hkv)``::

        s[i,j] = scale * q[i] . K[j]                    scale defaults to 1 / sqrt(Dk)
        s[i,j] = softcap * tanh(s[i,j] / softcap)       when softcap > 0
        s[i,j] = s[i,j] + mask[i,j]                     bool mask: 0 where True, -inf where False
        s[i,j] = -inf  where j > i + Lp                 when causal
        out[i] = sum_j softmax_j(s[i,:]) * V[j]

    ``mask`` broadcasts right-aligned against (B, Hq, Lq, T), as NumPy broadcasts. A row with
    no attended position (all scores -inf) gives NaN, as softmax over it is undefined (ONNX's
    reference does the same). Returns ``out (B, Hq, Lq, Dv)``, ``present_key`` and
    ``present_value`` (K and V).
    """
    q, k, v = _f64(q), _f64(k), _f64(v)
    if (past_key is None) != (past_value is None):
        raise ValueError("attention: past_key and past_value go together")
    keys = k if past_key is None else np.concatenate([_f64(past_key), k], axis=2)
    values = v if past_value is None else np.concatenate([_f64(past_value), v], axis=2)
    q_heads, q_len, key_dim = q.shape[1], q.shape[2], q.shape[3]
    total = keys.shape[2]
    past_len = total - k.shape[2]
    if scale is None:
        scale = 1.0 / np.sqrt(key_dim)
    k_h = _group_to_channels(keys, 1, q_heads)  # (B, Hq, T, Dk)
    v_h = _group_to_channels(values, 1, q_heads)  # (B, Hq, T, Dv)
    s = scale * np.einsum("bhid,bhjd->bhij", q, k_h)
    if softcap > 0.0:
        s = softcap * np.tanh(s / softcap)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype == np.bool_:
            s = s + np.where(mask, 0.0, -np.inf)
        else:
            s = s + _f64(mask)
    if causal:
        i = np.arange(q_len)[:, None]
        j = np.arange(total)[None, :]
        s = np.where(j > i + past_len, -np.inf, s)
    with np.errstate(invalid="ignore"):
        p = np.exp(s - np.max(s, axis=-1, keepdims=True))
        p = p / np.sum(p, axis=-1, keepdims=True)
    out = np.einsum("bhij,bhjd->bhid", p, v_h)
    return out, keys, values


def rms_norm(x: ArrayLike, w: ArrayLike, eps: float = 1e-5) -> np.ndarray:
    """``lm.rms_norm``: ``y = x / sqrt(mean(x^2 over the last dimension) + eps) * w``."""
    x, w = _f64(x), _f64(w)
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rotary(
    x: ArrayLike, cos: ArrayLike, sin: ArrayLike, interleaved: bool = False
) -> np.ndarray:
    """``lm.rotary``: rotary position embedding of the leading R channels of each head.

    ``x (B, H, L, Dh)``, ``cos, sin (B or 1, L, R/2)``. Pair i (i < R/2) is channels
    ``(i, i + R/2)`` (rotate-half) or, with ``interleaved``, ``(2i, 2i + 1)``::

        y[first]  = x[first] * cos[i] - x[second] * sin[i]
        y[second] = x[second] * cos[i] + x[first] * sin[i]

    Channels ``R .. Dh-1`` pass through unchanged.
    """
    x, cos, sin = _f64(x), _f64(cos), _f64(sin)
    half = cos.shape[-1]
    rotated = 2 * half
    if sin.shape != cos.shape or rotated > x.shape[-1]:
        raise ValueError(f"rotary: cos/sin {cos.shape}, {sin.shape} do not fit x {x.shape}")
    c = cos[:, None]  # (B or 1, 1, L, R/2): broadcast over heads
    s = sin[:, None]
    if interleaved:
        first, second = slice(0, rotated, 2), slice(1, rotated, 2)
    else:
        first, second = slice(0, half), slice(half, rotated)
    y = x.copy()
    y[..., first] = x[..., first] * c - x[..., second] * s
    y[..., second] = x[..., second] * c + x[..., first] * s
    return y
