"""Row-wise work on the counter's tall, thin arrays ((P, w): many cells, few neurons), fast
and with the same results.

In a tall chunk the counter keeps these arrays *neuron-major* (Fortran order): a (P, w)
array is stored as w runs of P values, one per neuron, so that NumPy's loops run along the
P cells (stored row by row, they run over w values at a time, several times slower for a
few neurons). A tall product of the counter returns that order
(``arithmetic.times_transpose``), every elementwise operation keeps it by itself, new
arrays take it from the layer's own (``np.empty_like``), and gathering rows keeps it when
asked (:func:`take_rows`). A small chunk stays row-major, as einsum returns it: at a few
cells the order in memory does not matter. Every function works with either.

NumPy also reduces a short last axis several times slower than a loop over the columns
(:func:`any_in_row`, :func:`count_in_row`).
"""
import numpy as np

COLUMNS = 32          # wider than this, NumPy's own reduction is as fast


def take_rows(a, i):
    """``np.take(a, i, axis=0)``, the rows ``i`` of ``a`` (P, ...), kept neuron-major when ``a``
    is: (len(i), ...)."""
    if a.ndim == 2 and a.strides[0] < a.strides[1]:           # neuron-major: one run per column
        return np.take(a.T, i, axis=1).T
    return np.take(a, i, axis=0)


def any_in_row(mask):
    """``mask.any(axis=1)`` of a (P, w) bool array -> (P,) bool."""
    if not 0 < mask.shape[1] <= COLUMNS:
        return mask.any(axis=1)
    out = mask[:, 0].copy()
    for k in range(1, mask.shape[1]):
        out |= mask[:, k]
    return out


def count_in_row(mask):
    """``mask.sum(axis=1)`` of a (P, w) bool array -> (P,) intp."""
    if not 0 < mask.shape[1] <= COLUMNS:
        return mask.sum(axis=1)
    out = mask[:, 0].astype(np.intp)
    for k in range(1, mask.shape[1]):
        out += mask[:, k]
    return out


def pack_rows(bits):
    """``np.packbits(bits, axis=1)`` of a (P, w) bool array -> (P, ceil(w / 8)) uint8: each
    row's bits, 8 to a byte, the first in the highest bit. Each byte is made from its (at
    most 8) columns, a shift and an OR at a time."""
    P, w = bits.shape
    if not 0 < w <= COLUMNS:
        return np.packbits(bits, axis=1)
    u = bits.view(np.uint8)                   # a bool is one byte, 0 or 1
    out = np.empty((P, (w + 7) // 8), np.uint8)
    for byte in range(out.shape[1]):
        first = 8 * byte
        packed = u[:, first] << 7
        for k in range(first + 1, min(w, first + 8)):
            packed |= u[:, k] << (7 - k + first)
        out[:, byte] = packed
    return out


def rows_differ(a):
    """``np.any(a[1:] != a[:-1], axis=1)`` of a (P, B) uint8 array (packed on/off bits)
    -> (P - 1,) bool: whether each row differs from the one before. The B bytes of a row
    are compared as the widest integers that divide B, one column at a time."""
    a = np.ascontiguousarray(a)
    if a.ndim != 2 or a.dtype != np.uint8 or a.shape[1] == 0:
        return np.any(a[1:] != a[:-1], axis=1)
    for kind in (np.uint64, np.uint32, np.uint16, np.uint8):
        if a.shape[1] % np.dtype(kind).itemsize == 0:
            break
    v = a.view(kind)
    out = v[1:, 0] != v[:-1, 0]
    for k in range(1, v.shape[1]):
        out |= v[1:, k] != v[:-1, k]
    return out
