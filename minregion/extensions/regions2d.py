"""Exact linear regions of a ReLU network with two inputs, as convex polygons.

The 2-D version of :mod:`minregion.regions`, with no sampling. Start with the domain, one
convex polygon on which every input coordinate is an affine function of ``(x, y)``. Every
polygon carries the affine form of every neuron of the current layer,

    h(p) = A p + c        A : (width, 2),  c : (width,),   p = (x, y) in the polygon,

so a layer ``(W, b)`` gives the preactivations ``z = (W A) p + (W c + b)`` on it. Each
neuron's zero line ``z_j(p) = 0`` that crosses a polygon cuts it in two convex polygons
(a convex polygon split by a line stays convex); both halves inherit the affine forms and
differ in neuron j's on/off bit. After all neurons of a layer, the ReLU zeroes the rows of
the neurons that are off, and the next layer starts from there.

What comes out is the partition into **activation regions**: maximal sets on which every
hidden neuron keeps one on/off state. For a fixed pattern the preactivations are affine,
so such a set is a convex polygon; different polygons carry different patterns. (Two
neighbouring regions can still have the same output gradient; we do not merge them, and we
say "activation regions" everywhere.)

Floating point [choice]: a vertex counts as *on* the line when ``|z_j|`` at it is below
``TOL_REL`` times the size of the terms summed, ``|A_j,x| |x| + |A_j,y| |y| + |c_j|``. Such
vertices go to both halves, and a polygon with no vertex clearly on each side is not cut.
This absorbs the rounding slivers that 1-D counting meets (see :mod:`minregion.regions`) when a
preactivation should only touch 0.
"""
from dataclasses import dataclass

import numpy as np

from ..checks import check_layers, check_points, check_value_growth

TOL_REL = 2.0 ** -36   # about 1.5e-11: a vertex this close to a zero line lies on it


@dataclass
class Partition:
    """The activation regions of a two-input network over a convex domain.

    Attributes
    ----------
    polygons : list of (v_i, 2) float64 arrays, convex, counter-clockwise vertices
    patterns : (P, H) bool, on/off state of the H hidden neurons on each polygon
    out_grad : (P, n_out, 2) float64, the gradient of each output on each polygon
    out_const : (P, n_out) float64, so that ``out(p) = out_grad @ p + out_const`` there
    """
    polygons: list
    patterns: np.ndarray
    out_grad: np.ndarray
    out_const: np.ndarray

    def __len__(self):
        return len(self.polygons)

    def areas(self):
        """(P,) float64, the area of every polygon."""
        return np.array([polygon_area(v) for v in self.polygons])


def check_layers_2d(layers):
    """float64 ``(W, b)`` pairs of one network with two inputs, or a ``ValueError``.

    The checks themselves are :func:`minregion.checks.check_layers`.
    """
    check_layers(layers, n_in=2, one_network=True)
    return [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64))
            for W, b in layers]


def check_partition_scale(layers, box):
    """What :func:`region_partition` can hold, before it starts: like the 1-D counter
    (:func:`minregion.checks.check_counter_network`), a ``ValueError`` naming the layer when
    the weights are so large that a layer's values or gradients on the box could exceed
    ``MAX_COUNT_VALUE`` (float64 would overflow in the affine forms, and the partition come
    out with NaN): a bound from the largest row sums of |W|, the largest |b| and the box.

    layers : checked ``(W, b)`` pairs (:func:`check_layers_2d`); box : (4, 2) its polygon.
    """
    check_value_growth(layers, float(np.max(np.abs(box))), "the 2-D region partition",
                       "on the box", "region")


def box_polygon(box=(-1.0, 1.0, -1.0, 1.0)):
    """The rectangle ``[x0, x1] x [y0, y1]`` as a (4, 2) counter-clockwise polygon."""
    try:
        x0, x1, y0, y1 = (float(v) for v in box)
    except (TypeError, ValueError):
        raise ValueError(f"box must be four real numbers (x0, x1, y0, y1) with x0 < x1 and "
                         f"y0 < y1; got {box!r:.60}") from None
    if not (np.all(np.isfinite([x0, x1, y0, y1])) and x0 < x1 and y0 < y1):
        raise ValueError(f"box must be finite (x0, x1, y0, y1) with x0 < x1 and y0 < y1; "
                         f"got {box}")
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def polygon_area(v):
    """Area of a polygon ``v : (n, 2)`` (shoelace formula; positive when counter-clockwise)."""
    x, y = v[:, 0], v[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def split_polygon(v, f, side):
    """Cut a convex polygon along the zero line of an affine function.

    Parameters
    ----------
    v : (n, 2) vertices, in order
    f : (n,) the function's values at the vertices
    side : (n,) int, +1 / -1 where ``f`` is clearly positive / negative, 0 on the line

    Returns
    -------
    pos, neg : (m, 2) and (k, 2), the parts where ``f >= 0`` and ``f <= 0``, each convex,
        in the same orientation; the crossing points on the edges belong to both
    """
    pos, neg = [], []
    n = len(v)
    for i in range(n):
        j = (i + 1) % n
        if side[i] >= 0:
            pos.append(v[i])
        if side[i] <= 0:
            neg.append(v[i])
        if side[i] * side[j] < 0:                   # the edge crosses the line
            t = f[i] / (f[i] - f[j])
            p = v[i] + t * (v[j] - v[i])
            pos.append(p)
            neg.append(p)
    return np.array(pos), np.array(neg)


def _signs(polygons, ZA, Zc, tol_rel):
    """Each vertex's side of one neuron's zero line, polygon by polygon.

    polygons : list of P vertex arrays; ZA : (P, 2), Zc : (P,) the neuron's affine form.
    Returns f, side (flat over all vertices), starts (P,) offsets, and per polygon
    has_pos, has_neg : (P,) bool.
    """
    lens = np.fromiter((len(v) for v in polygons), dtype=np.intp, count=len(polygons))
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    V = np.concatenate(polygons)                    # (T, 2) all vertices
    owner = np.repeat(np.arange(len(polygons)), lens)
    g, c = ZA[owner], Zc[owner]
    f = g[:, 0] * V[:, 0] + g[:, 1] * V[:, 1] + c
    tol = tol_rel * (np.abs(g[:, 0] * V[:, 0]) + np.abs(g[:, 1] * V[:, 1]) + np.abs(c))
    side = np.where(f > tol, 1, np.where(f < -tol, -1, 0))
    has_pos = np.maximum.reduceat(side, starts) > 0
    has_neg = np.minimum.reduceat(side, starts) < 0
    return f, side, starts, has_pos, has_neg


def region_partition(layers, box=(-1.0, 1.0, -1.0, 1.0), tol_rel=TOL_REL):
    """Split the domain into the exact activation regions of a two-input ReLU network.

    Parameters
    ----------
    layers : list of ``(W, b)``, ``W`` : (fan_out, fan_in), first ``fan_in = 2``; a ReLU after
        every layer but the last (``mlp.py``'s convention); no runs axis; weights small
        enough that float64 holds the values on the box (:func:`check_partition_scale`)
    box : (x0, x1, y0, y1), the rectangular domain
    tol_rel : float in [0, 1e-6], see the module docstring

    Returns
    -------
    partition : :class:`Partition`; its polygons tile the box (areas sum to the box's area)
    """
    layers = check_layers_2d(layers)
    if not (isinstance(tol_rel, (int, float, np.floating)) and 0 <= tol_rel <= 1e-6):
        raise ValueError(f"tol_rel must be a number in [0, 1e-6] (the default is "
                         f"{TOL_REL:.2g}); got {tol_rel!r}")
    polygons = [box_polygon(box)]
    check_partition_scale(layers, polygons[0])
    A = np.eye(2)[None]                             # (P, width, 2): h = x, y
    c = np.zeros((1, 2))                            # (P, width)
    patterns = np.zeros((1, 0), dtype=bool)
    for W, b in layers[:-1]:
        ZA = np.einsum("oi,pij->poj", W, A)         # (P, w, 2) preactivation gradients
        Zc = c @ W.T + b                            # (P, w) preactivation constants
        on = np.zeros(Zc.shape, dtype=bool)
        for j in range(W.shape[0]):
            f, side, starts, has_pos, has_neg = _signs(polygons, ZA[:, j], Zc[:, j], tol_rel)
            on[:, j] = has_pos & ~has_neg
            cut = np.flatnonzero(has_pos & has_neg)
            if len(cut) == 0:
                continue
            new_polygons, parent, new_on = [], [], []
            cut_set = set(cut.tolist())
            for p, v in enumerate(polygons):
                if p not in cut_set:
                    new_polygons.append(v)
                    parent.append(p)
                    new_on.append(on[p, j])
                    continue
                s = slice(starts[p], starts[p] + len(v))
                pos, neg = split_polygon(v, f[s], side[s])
                new_polygons += [pos, neg]
                parent += [p, p]
                new_on += [True, False]
            parent = np.array(parent)
            polygons = new_polygons
            ZA, Zc, A, c = ZA[parent], Zc[parent], A[parent], c[parent]
            patterns, on = patterns[parent], on[parent]
            on[:, j] = new_on
        A, c = ZA * on[..., None], Zc * on          # the ReLU
        patterns = np.concatenate([patterns, on], axis=1)
    W, b = layers[-1]
    out_grad = np.einsum("oi,pij->poj", W, A)
    return Partition(polygons, patterns, out_grad, c @ W.T + b)


def activation_patterns_2d(layers, points):
    """The on/off state of every hidden neuron at each point (for sampling checks).

    layers : list of ``(W, b)`` with two inputs; points : (N, 2).
    Returns on : (N, H) bool, True where the preactivation is > 0 (``regions.py``'s rule).
    """
    layers = check_layers_2d(layers)
    h = check_points(points, 2, name="points").T      # (2, N)
    on = []
    for W, b in layers[:-1]:
        z = W @ h + b[:, None]
        on.append(z > 0)
        h = np.maximum(z, 0.0)
    return np.concatenate(on, axis=0).T


def locate(partition, points, tol=1e-12):
    """Index of a polygon containing each point (-1 if none), for checks.

    points : (N, 2). Returns idx : (N,) int. A point on a shared edge gets one of them.
    """
    points = np.asarray(points, dtype=np.float64)
    idx = np.full(len(points), -1)
    for p, v in enumerate(partition.polygons):
        e = np.roll(v, -1, axis=0) - v                                # (n, 2) edges
        rel = points[:, None, :] - v[None]                            # (N, n, 2)
        cross = e[None, :, 0] * rel[..., 1] - e[None, :, 1] * rel[..., 0]
        inside = np.all(cross >= -tol, axis=1) & (idx < 0)
        idx[inside] = p
    return idx
