"""Optimisers that update a list of float64 arrays in place: Adam and plain SGD.

Both keep their state per parameter array, so a parameter with a leading runs axis is R
independent problems: every update is elementwise.
"""
import numpy as np

from .checks import check_lr


class SGD:
    """Plain gradient descent, ``p <- p - lr * g``, for contrast with Adam."""

    def __init__(self, params, lr=1e-2):
        _check_lr(lr)
        self.params, self.lr = list(params), lr

    def step(self, grads):
        """Update every parameter in place from its gradient (same shapes)."""
        for p, g in zip(self.params, _checked(self.params, grads)):
            p -= self.lr * g


class Adam:
    """Adam (Kingma & Ba 2015) with bias-corrected moments.

    For each parameter ``p`` with gradient ``g``, at step ``t``::

        m <- beta1 m + (1 - beta1) g
        v <- beta2 v + (1 - beta2) g^2
        p <- p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

    The step counter ``t`` starts at 0 and is incremented at the *start* of :meth:`step`, so
    the first update uses ``t = 1``. ``eps`` (default 1e-8) is added to the square root of
    the bias-corrected second moment, outside the root, as in PyTorch. ``m`` and ``v`` are
    arrays of each parameter's shape, zero at the start.
    """

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        _check_lr(lr)
        self.params = list(params)
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        """Update every parameter in place from its gradient (same shapes)."""
        grads = _checked(self.params, grads)
        self.t += 1
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            # BEGIN SOLUTION ch03 adam_step (section 5): update the moments m and v in place,
            #   correct their bias for step self.t, and update p in place
            c1 = 1.0 - self.beta1 ** self.t
            c2 = 1.0 - self.beta2 ** self.t
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
            # END SOLUTION


def _check_lr(lr):
    check_lr(lr)


def _checked(params, grads):
    grads = list(grads)
    if len(grads) != len(params):
        raise ValueError(f"got {len(grads)} gradients for {len(params)} parameters")
    for i, (p, g) in enumerate(zip(params, grads)):
        if np.shape(g) != p.shape:
            raise ValueError(f"gradient {i} has shape {np.shape(g)}, parameter has {p.shape}")
    return grads
