"""Dense layer, ReLU, mean squared error and softmax cross-entropy as forward/backward pairs.

Every ``*_forward`` returns ``(out, cache)``; the matching ``*_backward`` takes the upstream
gradient and that cache and returns the gradients of its inputs (the CS231n pattern).

Points are stored as **columns**: a batch of N inputs to a layer is ``x`` of shape
``(fan_in, N)``, so a layer is literally ``W x + b`` with the paper's matrix ``W`` of shape
``(fan_out, fan_in)``. (This layout also keeps the long axis, N, contiguous, which makes
NumPy fast on these narrow networks.)

All arrays are float64. A leading *runs* axis is allowed everywhere: ``x`` may be
``(R, fan_in, N)`` and ``W`` ``(R, fan_out, fan_in)`` for R independent networks trained at
once. The maths is the same; the runs axis is only a batch axis.
"""
import numpy as np


def dense_forward(x, W, b):
    """Affine layer ``out = W x + b`` (b added to every column).

    Parameters
    ----------
    x : (..., fan_in, N) float64, N points as columns
    W : (..., fan_out, fan_in) float64, the paper's matrix layout (rows are output neurons)
    b : (..., fan_out) float64

    Returns
    -------
    out : (..., fan_out, N) float64
    cache : tuple (x, W), kept for :func:`dense_backward`
    """
    out = W @ x
    out += b[..., None]
    return out, (x, W)


def dense_backward(dout, cache):
    """Backward of :func:`dense_forward`.

    Parameters
    ----------
    dout : (..., fan_out, N) float64, dL/dout
    cache : from :func:`dense_forward`

    Returns
    -------
    dx : (..., fan_in, N) float64, ``W^T dout``
    dW : (..., fan_out, fan_in) float64, ``dout x^T`` (summed over the N points)
    db : (..., fan_out) float64
    """
    x, W = cache
    dx = np.swapaxes(W, -1, -2) @ dout
    dW = dout @ np.swapaxes(x, -1, -2)
    db = dout.sum(axis=-1)
    return dx, dW, db


def relu_forward(z):
    """ReLU, ``max(z, 0)`` elementwise. ``z`` : any shape. Returns ``(out, cache)``."""
    on = z > 0
    return np.maximum(z, 0.0), on


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


def softmax_cross_entropy_forward(logits, labels):
    """Mean cross-entropy of a softmax over the classes.

    Parameters
    ----------
    logits : (..., C, N) float64, one column per point
    labels : (N,) int in [0, C)

    Returns
    -------
    loss : (...) float64, ``-mean_n log softmax(logits)[labels_n, n]``
    cache : (probabilities (..., C, N), one-hot (C, N))
    """
    labels = np.asarray(labels)
    C, N = logits.shape[-2], logits.shape[-1]
    if labels.shape != (N,) or labels.min() < 0 or labels.max() >= C:
        raise ValueError(f"labels must be (N,) = ({N},) integers in [0, {C}); "
                         f"got shape {labels.shape}")
    z = logits - logits.max(axis=-2, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-2, keepdims=True))
    onehot = np.arange(C)[:, None] == labels[None, :]          # (C, N)
    loss = -np.sum(logp * onehot, axis=(-2, -1)) / N
    return loss, (np.exp(logp), onehot)


def softmax_cross_entropy_backward(cache):
    """Backward of :func:`softmax_cross_entropy_forward`: ``(p - onehot) / N``, (..., C, N)."""
    p, onehot = cache
    return (p - onehot) / p.shape[-1]


def error_rate(logits, labels):
    """Fraction of points whose largest logit is not their label. logits (..., C, N) -> (...)."""
    return np.mean(np.argmax(logits, axis=-2) != np.asarray(labels), axis=-1)
