"""The same code in two arithmetics: float64 arrays, and NumPy object arrays of
``fractions.Fraction`` (exact) for the recounts."""
import functools
from fractions import Fraction

import numpy as np


def is_exact(a):
    """Whether the array ``a`` holds Fractions (an object array) rather than float64."""
    return a.dtype == object


SMALL_PRODUCT = 2 ** 14       # up to this many terms (P fan_out fan_in), einsum itself


def times_transpose(h, W):
    """``h @ W.T`` for a tall ``h : (P, fan_in)`` and ``W : (fan_out, fan_in)`` -> (P, fan_out).

    In float64 the numbers are those of NumPy's ``einsum("pi,oi->po", h, W)`` on a
    row-major ``h``, as they always were (not ``@``: for these tall, thin products the
    threads of the BLAS cost more than they save, and its order of addition is the BLAS
    build's). A tall product (more than ``SMALL_PRODUCT`` terms) is summed neuron-major
    instead (:func:`neuron_major_product`, several times faster, returned neuron-major)
    wherever that gives einsum's numbers bit for bit (:func:`einsum_adds_in_lane_order`).
    Fraction object arrays go through :func:`exact_times_transpose`, a mix of the two
    through ``@``.
    """
    if h.dtype == object and W.dtype == object:
        return exact_times_transpose(h, W)
    if h.dtype == object or W.dtype == object:
        return h @ W.T
    if h.shape[0] * W.size > SMALL_PRODUCT and einsum_adds_in_lane_order(W.shape[1]):
        return neuron_major_product(h.T, W).T
    return np.einsum("pi,oi->po", np.ascontiguousarray(h), np.ascontiguousarray(W))


@functools.lru_cache(maxsize=None)
def lane_order(fan_in):
    """The order in which :func:`neuron_major_product` adds the ``fan_in`` products of one
    output -> two tuples of input indices, the *even lane* and the *odd lane*.

    It is the order of NumPy's ``einsum("pi,oi->po", h, W)`` on x86-64 for a row-major
    ``h`` (there, a dot product of two float64 to a SIMD register): the even inputs are
    added in one lane, the odd ones in the other, in blocks of 8 inputs taken back to
    front (6, 4, 2, 0; then 14, 12, 10, 8; ...), the rest in pairs front to back; then
    the two lanes.
    """
    lanes, start = ([], []), 0
    while fan_in - start >= 8:
        for k in (3, 2, 1, 0):
            lanes[0].append(start + 2 * k)
            lanes[1].append(start + 2 * k + 1)
        start += 8
    for i in range(start, fan_in):
        lanes[(i - start) % 2].append(i)
    return tuple(lanes[0]), tuple(lanes[1])


def neuron_major_product(hT, W):
    """``W @ hT`` for ``hT : (fan_in, P)`` (the inputs neuron-major) and ``W : (fan_out,
    fan_in)``, float64 -> (fan_out, P), every entry summed in the order of
    :func:`lane_order`, a zero as +0.0.

    One pass over P values per weight column (``W[:, i] hT[i]``): for the tall, thin
    products of the counter (P in the thousands, a few neurons) NumPy's loops then run
    along P, several times faster than ``einsum`` over rows of a few values.
    """
    (fan_in, P), fan_out = hT.shape, W.shape[0]
    even, odd = lane_order(fan_in)
    if fan_in == 0:                                # a sum of nothing
        return np.zeros((fan_out, P), np.result_type(hT, W))
    out, term = np.empty((fan_out, P), np.result_type(hT, W)), None
    np.multiply(W[:, even[0], None], hT[even[0]], out=out)
    for i in even[1:]:
        term = np.multiply(W[:, i, None], hT[i], out=term)
        out += term
    if odd:
        lane = np.multiply(W[:, odd[0], None], hT[odd[0]])
        for i in odd[1:]:
            term = np.multiply(W[:, i, None], hT[i], out=term)
            lane += term
        out += lane
    out += 0.0                                     # -0.0 -> +0.0, as einsum's 0 + sum
    return out


@functools.lru_cache(maxsize=None)
def einsum_adds_in_lane_order(fan_in):
    """Whether NumPy's ``einsum("pi,oi->po", h, W)`` on this machine gives, bit for bit,
    the numbers of :func:`neuron_major_product` for ``fan_in`` inputs: tried once on
    64 x 3 products of values over 60 binades (a sum in another order, or with fused
    multiply-adds, gives other numbers on such values). Where it does not, the counter
    calls einsum itself (slower on tall products, the same numbers as ever)."""
    rng = np.random.default_rng(fan_in)           # its own generator, no global state
    h = rng.standard_normal((64, fan_in)) * 2.0 ** rng.integers(-30, 30, (64, fan_in))
    W = rng.standard_normal((3, fan_in)) * 2.0 ** rng.integers(-30, 30, (3, fan_in))
    h[rng.random(h.shape) < 0.1] = -0.0
    want = np.einsum("pi,oi->po", h, W)
    got = neuron_major_product(np.ascontiguousarray(h.T), W).T
    return bool(np.array_equal(got, want) and np.array_equal(np.signbit(got),
                                                             np.signbit(want)))


def row_times_transpose(h, W):
    """``h @ W.T`` for one row ``h : (fan_in,)`` -> (fan_out,): in float64 the product of
    NumPy (its bits as they always were), on Fractions :func:`exact_times_transpose`."""
    if h.dtype == object and W.dtype == object:
        return exact_times_transpose(h[None], W)[0]
    return h @ W.T


def exact_times_transpose(h, W):
    """``h @ W.T`` for object arrays of Fractions (and ints), ``h : (P, fan_in)`` and
    ``W : (fan_out, fan_in)`` -> (P, fan_out) object, adding only the nonzero terms:
    the same exact values with fewer Fraction operations (the constructions' weights are
    half zeros, and an input is 0 where its neuron is off). Other objects: ``@``."""
    if not all(isinstance(v, (Fraction, int)) for v in (*h.flat, *W.flat)):
        return h @ W.T
    nonzero = [[(i, w) for i, w in enumerate(row) if w != 0] for row in W]
    out = np.empty((h.shape[0], W.shape[0]), dtype=object)
    zero = Fraction(0)
    for p, row in enumerate(h):
        for o, weights in enumerate(nonzero):
            total = zero
            for i, w in weights:
                if row[i] != 0:
                    total = total + row[i] * w if total else row[i] * w
            out[p, o] = total
    return out


def as_exact(layers):
    """Float64 ``(W, b)`` -> the same numbers as ``Fraction`` object arrays (exactly)."""
    to = np.vectorize(Fraction, otypes=[object])
    return [(to(W), to(b)) for W, b in layers]


def in_kind(value, like):
    """The float ``value`` as a Fraction if the array ``like`` holds Fractions (exactly),
    else as it is."""
    return Fraction(value) if is_exact(like) else value


def ratio(z, s):
    """z / s elementwise, 0 where s is 0 (z is 0 there too)."""
    if is_exact(z):
        return np.array([a / c if c else Fraction(0) for a, c in zip(z.ravel(), s.ravel())],
                        dtype=object).reshape(z.shape)
    out = np.zeros(z.shape)
    np.divide(z, s, out=out, where=s > 0)
    return out
