"""Losses of the extensions, as forward/backward pairs with the core's contract.

``loss, cache = *_forward(out, target)`` and ``dout = *_backward(dloss, cache)``
(see :mod:`minregion.layers`), for network outputs in the column layout ``(..., C, N)``.
"""
import numpy as np

from ..checks import check_real_array
from ..layers import mse_backward, mse_forward


def mse_columns_forward(out, y):
    """MSE of a one-output network's columns ``out`` (..., 1, N) against ``y`` (..., N)."""
    return mse_forward(out[..., 0, :], y)


def mse_columns_backward(dloss, cache):
    """Backward of :func:`mse_columns_forward`: dL/dout, (..., 1, N)."""
    return mse_backward(dloss, cache)[..., None, :]


def check_labels(labels, n_classes, n_points, name="labels"):
    """Class labels ``(N,)``: integers in [0, n_classes), or a ``ValueError`` naming them.

    Floats are refused even when whole (0.5 would pick no class and lower the loss
    silently): ``labels.astype(int)`` converts whole ones. Returns the labels as an array.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"{name} must be integers in [0, {n_classes}), one class per point; "
                         f"got dtype {labels.dtype} (pass {name}.astype(int) if they are whole "
                         f"numbers)")
    if labels.shape != (n_points,):
        raise ValueError(f"{name} must have shape (N,) = ({n_points},), one per point (a column "
                         f"of the logits); got shape {labels.shape}")
    if n_points and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"{name} must lie in [0, {n_classes}), one of the {n_classes} classes "
                         f"(outputs); got values from {labels.min()} to {labels.max()}")
    return labels


def check_logits(logits, labels):
    """``logits`` (..., C, N), finite real numbers with C, N >= 1, and their ``labels`` (N,)
    (:func:`check_labels`), or a ``ValueError`` naming the argument. Returns both as arrays."""
    if not (isinstance(logits, np.ndarray) and logits.dtype == np.float64):
        logits = check_real_array(logits, "logits")
    if logits.ndim < 2 or logits.shape[-1] == 0 or logits.shape[-2] == 0:
        raise ValueError(f"logits must have shape (..., C, N), one column of C >= 1 class "
                         f"scores per point, N >= 1; got shape {logits.shape}")
    if not np.isfinite(logits).all():
        raise ValueError("logits must be finite; found NaN or inf")
    return logits, check_labels(labels, logits.shape[-2], logits.shape[-1])


def softmax_cross_entropy_forward(logits, labels):
    """Mean cross-entropy of a softmax over the classes.

    Parameters
    ----------
    logits : (..., C, N) finite real numbers, one column per point, N >= 1
    labels : (N,) int in [0, C)

    Returns
    -------
    loss : (...) float64, ``-mean_n log softmax(logits)[labels_n, n]``
    cache : (probabilities (..., C, N), one-hot (C, N))

    Raises
    ------
    ValueError naming the argument: logits not of that shape or not finite, labels not
    integers in [0, C), or logits so far apart that the loss overflows float64.
    """
    logits, labels = check_logits(logits, labels)
    with np.errstate(over="ignore", invalid="ignore"):
        loss, cache = cross_entropy_unchecked(logits, labels)
    if not np.isfinite(loss).all():
        raise ValueError(f"the cross-entropy overflows float64 for these logits: they are too "
                         f"far apart (from {logits.min():.3g} to {logits.max():.3g}); scale "
                         f"them down")
    return loss, cache


def cross_entropy_unchecked(logits, labels):
    """:func:`softmax_cross_entropy_forward` without its checks, for the trainers: they check
    the labels at their door, and the logits are their network's output (a non-finite loss
    there is a diverged training, which the training loop reports)."""
    C, N = logits.shape[-2], logits.shape[-1]
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

    logits : (..., C, N); labels : (N,) int in [0, C). Returns (...) float64.
    """
    logits, labels = check_logits(logits, labels)
    return np.mean(np.argmax(logits, axis=-2) != np.asarray(labels), axis=-1)
