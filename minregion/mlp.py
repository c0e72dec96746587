"""A multilayer perceptron as a plain list of ``(W, b)`` pairs.

``layers = [(W_0, b_0), (W_1, b_1), ..., (W_L, b_L)]`` with ``W_l`` of shape
``(fan_out, fan_in)`` and ``b_l`` of shape ``(fan_out,)``; a ReLU follows every pair but the
last. So a hidden layer of the paper's construction is literally its 4x4 matrix M_i.

A leading runs axis ``R`` (``W_l`` of shape ``(R, fan_out, fan_in)``) describes R
independent networks of the same shape, evaluated and trained together.
"""
import numpy as np

from .layers import dense_backward, dense_forward, relu_backward, relu_forward


def check_layers(layers):
    """Validate a ``(W, b)`` list and return its runs shape (``()`` for one network).

    Raises ``ValueError`` naming the layer and the shapes when consecutive layers do not
    fit, or when a weight is NaN or infinite.
    """
    if not isinstance(layers, (list, tuple)) or len(layers) == 0:
        raise ValueError("layers must be a non-empty list of (W, b) pairs")
    runs = None
    for l, pair in enumerate(layers):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"layers[{l}] must be a pair (W, b); got {pair!r:.60}")
        W, b = (np.asarray(p) for p in pair)
        if W.ndim < 2:
            raise ValueError(f"layers[{l}]: W must have shape (fan_out, fan_in); got {W.shape}")
        if b.shape != W.shape[:-1]:
            raise ValueError(f"layers[{l}]: b has shape {b.shape}, expected {W.shape[:-1]} "
                             f"for W of shape {W.shape}")
        if runs is None:
            runs = W.shape[:-2]
        elif W.shape[:-2] != runs:
            raise ValueError(f"layers[{l}]: runs axis {W.shape[:-2]} differs from layers[0]'s {runs}")
        if l > 0:
            prev = np.shape(layers[l - 1][0])
            if W.shape[-1] != prev[-2]:
                raise ValueError(f"layers[{l}]: W has fan_in {W.shape[-1]} but layers[{l-1}] "
                                 f"has fan_out {prev[-2]} (shapes {prev} and {W.shape})")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise ValueError(f"layers[{l}]: W and b must be finite (found NaN or inf)")
    return runs


def mlp_forward(layers, x):
    """Forward pass, keeping the caches for :func:`mlp_backward`.

    Parameters
    ----------
    layers : list of (W, b), ``W`` : ``(..., fan_out, fan_in)``, ``b`` : ``(..., fan_out)``
    x : (..., n_in, N) float64, N points as columns

    Returns
    -------
    out : (..., n_out, N) float64
    caches : list, one ``(dense_cache, relu_cache)`` per layer (``relu_cache`` is None on
        the last layer)
    """
    caches = []
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
    caches : from :func:`mlp_forward`

    Returns
    -------
    grads : list of (dW, db), the same shapes as ``layers``
    dx : (..., n_in, N) float64, dL/dx
    """
    grads = []
    dh = dout
    for dense_cache, relu_cache in reversed(caches):
        dz = dh if relu_cache is None else relu_backward(dh, relu_cache)
        dh, dW, db = dense_backward(dz, dense_cache)
        grads.append((dW, db))
    return grads[::-1], dh


def as_inputs(layers, x):
    """Bring ``x`` to the ``(..., n_in, N)`` column layout the layers expect, with clear errors.

    ``x`` may be ``(N,)`` (one input), ``(N, n_in)``, or, for layers with a runs axis ``R``,
    ``(R, N)`` / ``(R, N, n_in)`` (each run its own points).
    """
    runs = check_layers(layers)
    n_in = np.shape(layers[0][0])[-1]
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite (found NaN or inf)")
    if n_in == 1 and (x.ndim == 1 or (runs and x.ndim == 2 and x.shape[0] == runs[0]
                                        and x.shape[-1] != 1)):
        x = x[..., None]
    if x.ndim < 2 or x.shape[-1] != n_in:
        raise ValueError(f"x has shape {x.shape}; the network takes {n_in} input(s), "
                         f"so x must be (N,) or (N, {n_in})" if n_in == 1 else
                         f"x has shape {x.shape}; expected (N, {n_in})")
    return np.ascontiguousarray(np.swapaxes(x, -1, -2))


def mlp_predict(layers, x):
    """Outputs of the network for inputs ``x``.

    Parameters
    ----------
    layers : list of (W, b)
    x : (N,) for one input or (N, n_in) for several; (R, N) or (R, N, n_in) for R runs

    Returns
    -------
    y : (N,) float64 (or (R, N) with a runs axis) when the network has one output,
        (..., N, n_out) otherwise
    """
    out, _ = mlp_forward(layers, as_inputs(layers, x))
    return out[..., 0, :] if out.shape[-2] == 1 else np.swapaxes(out, -1, -2)
