"""Losses of the extensions, as forward/backward pairs with the core's contract.

``loss, cache = *_forward(out, target)`` and ``dout = *_backward(dloss, cache)``
(see :mod:`minregion.layers`), for network outputs in the column layout ``(..., C, N)``.
"""
import numpy as np

from ..layers import mse_backward, mse_forward


def mse_columns_forward(out, y):
    """MSE of a one-output network's columns ``out`` (..., 1, N) against ``y`` (..., N)."""
    return mse_forward(out[..., 0, :], y)


def mse_columns_backward(dloss, cache):
    """Backward of :func:`mse_columns_forward`: dL/dout, (..., 1, N)."""
    return mse_backward(dloss, cache)[..., None, :]


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


def softmax_cross_entropy_backward(dloss, cache):
    """Backward of :func:`softmax_cross_entropy_forward`: ``dloss (p - onehot) / N``.

    dloss : float or (...) float64, dL/dloss. Returns dlogits : (..., C, N).
    """
    p, onehot = cache
    return np.asarray(dloss)[..., None, None] * (p - onehot) / p.shape[-1]


def error_rate(logits, labels):
    """A metric, not a loss: the fraction of points whose largest logit is not their label.

    logits : (..., C, N); labels : (N,). Returns (...) float64.
    """
    return np.mean(np.argmax(logits, axis=-2) != np.asarray(labels), axis=-1)
