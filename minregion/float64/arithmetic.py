"""The same code in two arithmetics: float64 arrays, and NumPy object arrays of
``fractions.Fraction`` (exact) for the recounts."""
from fractions import Fraction

import numpy as np


def is_exact(a):
    """Whether the array ``a`` holds Fractions (an object array) rather than float64."""
    return a.dtype == object


def times_transpose(h, W):
    """``h @ W.T`` for a tall ``h : (P, fan_in)`` and ``W : (fan_out, fan_in)`` -> (P, fan_out).

    Written with ``einsum``: for these tall, thin products the threads of the BLAS behind
    ``@`` cost more than they save. Fraction object arrays go through ``@`` (``einsum``
    takes object arrays only from NumPy 1.25 on).
    """
    if h.dtype == object and W.dtype == object:
        return exact_times_transpose(h, W)
    if h.dtype == object or W.dtype == object:
        return h @ W.T
    return np.einsum("pi,oi->po", h, W)


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
