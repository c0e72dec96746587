"""The same code in two arithmetics: float64 arrays, and NumPy object arrays of
``fractions.Fraction`` (exact) for the recounts."""
from fractions import Fraction

import numpy as np


def is_exact(a):
    """Whether the array ``a`` holds Fractions (an object array) rather than float64."""
    return a.dtype == object


def times_transpose(h, W):
    """``h @ W.T`` for a tall ``h : (P, fan_in)`` and ``W : (fan_out, fan_in)`` -> (P, fan_out),
    neuron-major (Fortran order: each neuron's P values side by side, see ``rows``).

    In float64 each output adds its ``fan_in`` products in the fixed order of
    :func:`lane_order`; Fraction object arrays go through :func:`exact_times_transpose`
    (exact: the order does not matter), a mix of the two through ``@``.
    """
    if h.dtype == object and W.dtype == object:
        return exact_times_transpose(h, W)
    if h.dtype == object or W.dtype == object:
        return h @ W.T
    return neuron_major_product(h.T, W).T


def lane_order(fan_in):
    """The order in which :func:`neuron_major_product` adds the ``fan_in`` products of one
    output -> two lists of input indices, the *even lane* and the *odd lane*.

    It is the order of NumPy's ``einsum("pi,oi->po", h, W)`` on x86-64 for a row-major
    ``h`` (there, a dot product of two float64 to a SIMD register): the even inputs are
    added in one lane, the odd ones in the other, in blocks of 8 inputs taken back to
    front (6, 4, 2, 0; then 14, 12, 10, 8; ...), the rest in pairs front to back; then
    the two lanes. Kept so that the counter's numbers stay the same bit for bit as when
    it called ``einsum`` (benchmarks/counter_same.py), now with a fixed order of its own.
    """
    lanes, start = ([], []), 0
    while fan_in - start >= 8:
        for k in (3, 2, 1, 0):
            lanes[0].append(start + 2 * k)
            lanes[1].append(start + 2 * k + 1)
        start += 8
    for i in range(start, fan_in):
        lanes[(i - start) % 2].append(i)
    return lanes


def neuron_major_product(hT, W):
    """``W @ hT`` for ``hT : (fan_in, P)`` (the inputs neuron-major) and ``W : (fan_out,
    fan_in)``, float64 -> (fan_out, P), every entry summed in the order of
    :func:`lane_order`, a zero as +0.0.

    One pass over P values per weight column (``W[:, i] hT[i]``): for the tall, thin
    products of the counter (P in the thousands, a few neurons) NumPy's loops then run
    along P, several times faster than ``einsum`` over rows of a few values, and faster
    than the threads of the BLAS behind ``@``, whose order would depend on the machine.
    """
    fan_out, P = W.shape[0], hT.shape[1]
    dtype = np.result_type(hT, W)
    lanes = [np.empty((fan_out, P), dtype) for lane in lane_order(hT.shape[0]) if lane]
    term = np.empty((fan_out, P), dtype)
    for out, lane in zip(lanes, lane_order(hT.shape[0])):
        np.multiply(W[:, lane[0], None], hT[lane[0]], out=out)
        for i in lane[1:]:
            np.multiply(W[:, i, None], hT[i], out=term)
            out += term
    if not lanes:                                  # fan_in 0: a sum of nothing
        return np.zeros((fan_out, P), dtype)
    out = lanes[0]
    if len(lanes) > 1:
        out += lanes[1]
    out += 0.0                                     # -0.0 -> +0.0, as einsum's 0 + sum
    return out


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
