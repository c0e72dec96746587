"""A multilayer perceptron as a plain list of ``(W, b)`` pairs.

``layers = [(W_0, b_0), (W_1, b_1), ..., (W_L, b_L)]`` with ``W_l`` of shape
``(fan_out, fan_in)`` and ``b_l`` of shape ``(fan_out,)``; a ReLU follows every pair but the
last. So a hidden layer of the paper's construction is literally its 4x4 matrix M_i.

A leading runs axis ``R`` (``W_l`` of shape ``(R, fan_out, fan_in)``) describes R
independent networks of the same shape, evaluated and trained together.

Users hand in points as **rows** (``x`` of shape ``(N,)`` or ``(N, n_in)``, like any table of
data); the layers work on **columns** (``(n_in, N)``, so that a layer is ``W x + b``).
:func:`to_columns` is the one place where rows become columns.
"""
import numpy as np

from .checks import (check_caches, check_data, check_finite_output, check_forward,
                     check_layers, check_points)
from .layers import dense_backward, dense_forward, relu_backward, relu_forward


class Caches(list):
    """The list of caches :func:`mlp_forward` returns, one per layer: a plain list to read,
    and a mark that it is the whole list. A slice (``caches[1:]``) or a copy is a plain list,
    which :func:`mlp_backward` refuses: the caches of the later layers alone look like those
    of a shorter network, and would give the gradients of a network that does not exist."""


def check_whole(caches):
    """``caches`` must be the :class:`Caches` that :func:`mlp_forward` returned, as it is;
    else a ``ValueError`` (a slice or a copy has lost the first layers, or may have)."""
    if not isinstance(caches, Caches):
        raise ValueError(f"caches must hold every layer's cache from one mlp_forward call: "
                         f"pass the list it returned as it is, not a slice or a copy; got a "
                         f"{type(caches).__name__} of {len(caches)}")


def mlp_forward(layers, x):
    """Forward pass, keeping the caches for :func:`mlp_backward`.

    Parameters
    ----------
    layers : list of (W, b), ``W`` : ``(..., fan_out, fan_in)``, ``b`` : ``(..., fan_out)``
    x : (..., n_in, N) float64, N points as columns

    Returns
    -------
    out : (..., n_out, N) float64
    caches : list (a :class:`Caches`), one ``(dense_cache, relu_cache)`` per layer
        (``relu_cache`` is None on the last layer)

    Raises ValueError when the shapes (the runs axes included) do not fit or x is not finite
    (a few cheap tests: this runs at every training step; the weights' values are checked
    where a network comes in).
    """
    x = check_forward(layers, x)
    caches = Caches()
    h = x
    for l, (W, b) in enumerate(layers):
        z, dense_cache = dense_forward(h, W, b)
        if l < len(layers) - 1:
            h, relu_cache = relu_forward(z)
        else:
            h, relu_cache = z, None
        caches.append((dense_cache, relu_cache))
    return h, caches


def mlp_backward(dout, caches):
    """Backward pass over the list of layers.

    Parameters
    ----------
    dout : (..., n_out, N) float64, dL/dout
    caches : from :func:`mlp_forward`, the list it returned (not a slice or a copy)

    Returns
    -------
    grads : list of (dW, db), the same shapes as ``layers``
    dx : (..., n_in, N) float64, dL/dx

    Raises ValueError unless ``caches`` are all those of one forward pass and ``dout`` has the
    output's shape. A non-finite ``dout`` is carried through, not refused: the training loops
    check every gradient before a step (``training.check_step``) and report the divergence.
    """
    dout = check_caches(dout, caches)
    check_whole(caches)
    grads = []
    dh = dout
    # BEGIN SOLUTION ch03 mlp_backward (section 3): walk the layers from the last to the first
    #   (ReLU backward except on the last layer, then dense backward), appending each (dW, db) to
    #   grads and carrying dh
    for dense_cache, relu_cache in reversed(caches):
        dz = dh if relu_cache is None else relu_backward(dh, relu_cache)
        dh, dW, db = dense_backward(dz, dense_cache)
        grads.append((dW, db))
    # END SOLUTION
    return grads[::-1], dh


PREDICT_CHUNK = 1 << 16      # points evaluated at once by mlp_predict (bounds its memory)


def mlp_predict(layers, x):
    """Outputs of the network for inputs ``x`` (no caches kept: memory is bounded).

    Parameters
    ----------
    layers : list of (W, b) (arrays or nested lists of numbers)
    x : (N,) for one input or (N, n_in) for several; (R, N) or (R, N, n_in) for R runs

    Returns
    -------
    y : (N,) float64 (or (R, N) with a runs axis) when the network has one output,
        (..., N, n_out) otherwise

    Raises ValueError for bad layers or x, and when an output overflows float64 (it is never
    returned as inf or NaN).
    """
    runs = check_layers(layers)
    layers = [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64))
              for W, b in layers]
    X = to_columns(x, layers[0][0].shape[-1], runs)
    chunks = []
    with np.errstate(over="ignore", invalid="ignore"):       # checked below, with a message
        for start in range(0, X.shape[-1], PREDICT_CHUNK):
            h = X[..., start:start + PREDICT_CHUNK]
            for l, (W, b) in enumerate(layers):
                h, _ = dense_forward(h, W, b)            # the caches are dropped at once
                if l < len(layers) - 1:
                    h, _ = relu_forward(h)
            chunks.append(h)
    out = check_finite_output(np.concatenate(chunks, axis=-1), "mlp_predict")
    return out[..., 0, :] if out.shape[-2] == 1 else np.swapaxes(out, -1, -2)


# --- the data layout --------------------------------------------------------------------

def to_columns(x, n_in, runs=(), name="x"):
    """Points as rows -> the column layout ``(..., n_in, N)`` the layers expect.

    Parameters
    ----------
    x, n_in, runs, name : as :func:`minregion.checks.check_points`, which checks them;
        ``x`` is (N,), (N, n_in), (R, N) or (R, N, n_in)

    Returns
    -------
    X : (n_in, N) or (R, n_in, N) float64, contiguous
    """
    x = check_points(x, n_in, runs, name)
    return np.ascontiguousarray(np.swapaxes(x, -1, -2))


def prepare_data(x, y, runs=None):
    """Training data of one-input networks in the column layout, with clear errors.

    Parameters
    ----------
    x : (N,) or (R, N) inputs; y : (N,) or (R, N) targets; runs : R, or None for one
        network without a runs axis (then x and y must be (N,))

    Returns
    -------
    X : (1, N) for one network, (1, N) or (R, 1, N) with runs: inputs as columns
    Y : (N,) or (R, N) float64
    """
    x, y = check_data(x, y, runs)
    return to_columns(x, 1, () if runs is None else (runs,)), y
