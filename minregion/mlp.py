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

from .layers import dense_backward, dense_forward, relu_backward, relu_forward


def check_layers(layers, n_in=None, n_out=None, one_network=False):
    """Validate a ``(W, b)`` list and return its runs shape (``()`` for one network).

    Parameters
    ----------
    layers : list of ``(W, b)``
    n_in, n_out : int or None, the number of inputs / outputs the caller needs
    one_network : bool, refuse a runs axis

    Raises
    ------
    ValueError naming the layer and the shapes when consecutive layers do not fit, when a
    weight is NaN or infinite, or when the network is not what the caller needs.
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
    first, last = np.shape(layers[0][0]), np.shape(layers[-1][0])
    if one_network and runs != ():
        raise ValueError(f"this takes one network; layers[0]'s W has shape {first}, with a "
                         f"runs axis: pick one run, [(W[r], b[r]) for W, b in layers]")
    if n_in is not None and first[-1] != n_in:
        want = "one input" if n_in == 1 else f"{n_in} inputs"
        raise ValueError(f"layers[0]: W has shape {first}; a network with {want} needs "
                         f"shape (width, {n_in})")
    if n_out is not None and last[-2] != n_out:
        want = "one output" if n_out == 1 else f"{n_out} outputs"
        raise ValueError(f"layers[{len(layers) - 1}] (the output layer): W has shape {last}; "
                         f"expected {want}, shape ({n_out}, {last[-1]})")
    return runs


def to_columns(x, n_in, runs=(), name="x"):
    """Points as rows -> the column layout ``(..., n_in, N)`` the layers expect.

    Parameters
    ----------
    x : (N,) (one input), (N, n_in); with a runs axis ``R`` also (R, N) (one input, each run
        its own points) or (R, N, n_in)
    n_in : int, the number of inputs of the network
    runs : tuple, the runs shape of the network (``()`` for one network)
    name : the argument's name, for the error messages

    Returns
    -------
    X : (n_in, N) or (R, n_in, N) float64, contiguous
    """
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    if n_in == 1 and (x.ndim == 1 or (runs and x.ndim == 2 and x.shape[0] == runs[0]
                                        and x.shape[-1] != 1)):
        x = x[..., None]
    if x.ndim < 2 or x.shape[-1] != n_in or x.shape[-2] == 0:
        raise ValueError(f"{name} has shape {x.shape}; the network takes {n_in} input(s), "
                         f"so {name} must be (N,) or (N, {n_in}) with N >= 1" if n_in == 1 else
                         f"{name} has shape {x.shape}; expected (N, {n_in}) with N >= 1")
    if x.ndim == 3 and (not runs or x.shape[0] != runs[0]):
        raise ValueError(f"{name} has {x.shape[0]} rows of points but there are "
                         f"{runs[0] if runs else 'no'} runs")
    if x.ndim > 3:
        raise ValueError(f"{name} has shape {x.shape}; expected at most one runs axis")
    return np.ascontiguousarray(np.swapaxes(x, -1, -2))


def check_columns(x, n_in, name="x"):
    """Finite float64 inputs already in the column layout ``(..., n_in, N)``, or a clear error."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2 or x.shape[-2] != n_in:
        raise ValueError(f"{name} has shape {x.shape}; there are D = {n_in} input dimension(s), "
                         f"so {name} must be (..., {n_in}, N) (points as columns)")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite; found NaN or inf")
    return x


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
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    for name, v in (("x", x), ("y", y)):
        if v.ndim not in (1, 2) or v.shape[-1] == 0:
            raise ValueError(f"{name} must have shape (N,) or (R, N) with N >= 1; got {v.shape}")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must be finite; found NaN or inf")
        if np.max(np.abs(v)) > 1e150:
            raise ValueError(f"{name} has values as large as {np.max(np.abs(v)):.3g}: their "
                             f"squares overflow float64; rescale the data")
        if runs is None and v.ndim != 1:
            raise ValueError(f"{name} must have shape (N,) for one network; got {v.shape}")
        if runs is not None and v.ndim == 2 and v.shape[0] != runs:
            raise ValueError(f"{name} has {v.shape[0]} rows but there are {runs} runs")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"x and y must hold the same number of points; got {x.shape} and {y.shape}")
    return to_columns(x, 1, () if runs is None else (runs,)), y


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
    # BEGIN SOLUTION ch03 mlp_backward: walk the layers from the last to the first (ReLU backward except on the last layer, then dense backward), appending each (dW, db) to grads and carrying dh | tutorials/03_backpropagation_by_hand.ipynb, section 3
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
    """
    runs = check_layers(layers)
    layers = [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64))
              for W, b in layers]
    X = to_columns(x, layers[0][0].shape[-1], runs)
    chunks = []
    for start in range(0, X.shape[-1], PREDICT_CHUNK):
        h = X[..., start:start + PREDICT_CHUNK]
        for l, (W, b) in enumerate(layers):
            h, _ = dense_forward(h, W, b)            # the caches are dropped at once
            if l < len(layers) - 1:
                h, _ = relu_forward(h)
        chunks.append(h)
    out = np.concatenate(chunks, axis=-1)
    return out[..., 0, :] if out.shape[-2] == 1 else np.swapaxes(out, -1, -2)
