"""Dense layer, ReLU and mean squared error as forward/backward pairs with caches.

Every ``*_forward`` returns ``(out, cache)``; the matching ``*_backward`` takes the upstream
gradient and that cache and returns the gradients of its inputs (the CS231n pattern).

All arrays are float64. A leading *runs* axis is allowed everywhere: ``x`` may be ``(N, fan_in)``
for one network or ``(R, N, fan_in)`` for R independent networks trained at once, with
``W`` of shape ``(fan_out, fan_in)`` or ``(R, fan_out, fan_in)``. The maths is the same; the
runs axis is only a batch axis.
"""
import numpy as np


def dense_forward(x, W, b):
    """Affine layer ``out = x W^T + b``.

    Parameters
    ----------
    x : (..., N, fan_in) float64
    W : (..., fan_out, fan_in) float64, the paper's matrix layout (rows are output neurons)
    b : (..., fan_out) float64

    Returns
    -------
    out : (..., N, fan_out) float64
    cache : tuple (x, W), kept for :func:`dense_backward`
    """
    out = x @ np.swapaxes(W, -1, -2) + b[..., None, :]
    return out, (x, W)


def dense_backward(dout, cache):
    """Backward of :func:`dense_forward`.

    Parameters
    ----------
    dout : (..., N, fan_out) float64, dL/dout
    cache : from :func:`dense_forward`

    Returns
    -------
    dx : (..., N, fan_in) float64
    dW : (..., fan_out, fan_in) float64
    db : (..., fan_out) float64
    """
    x, W = cache
    dx = dout @ W
    dW = np.swapaxes(dout, -1, -2) @ x
    db = dout.sum(axis=-2)
    return dx, dW, db


def relu_forward(z):
    """ReLU, ``max(z, 0)`` elementwise. ``z`` : any shape. Returns ``(out, cache)``."""
    on = z > 0
    return z * on, on


def relu_backward(dout, cache):
    """Backward of :func:`relu_forward`: the gradient passes where the neuron is on.

    At ``z == 0`` exactly the derivative is taken as 0 (the neuron counts as off).
    """
    on = cache
    return dout * on


def mse_forward(pred, y):
    """Mean squared error per network, averaged over the N points.

    Parameters
    ----------
    pred : (..., N) float64, network outputs
    y : (..., N) float64, targets (broadcast against ``pred``)

    Returns
    -------
    loss : (...) float64, one MSE per network (a float for one network)
    cache : tuple (residual, N)
    """
    r = pred - y
    return np.mean(r * r, axis=-1), (r, r.shape[-1])


def mse_backward(cache, dloss=1.0):
    """Backward of :func:`mse_forward`: ``dL/dpred = dloss * 2 (pred - y) / N``.

    With several networks each gets the gradient of its own loss (the sum of the losses is
    what is differentiated, and the networks do not share parameters).

    Returns
    -------
    dpred : (..., N) float64
    """
    r, n = cache
    return np.asarray(dloss)[..., None] * 2.0 * r / n
