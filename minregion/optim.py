"""Optimisers that update a list of float64 arrays in place: Adam and plain SGD.

Both keep their state per parameter array, so a parameter with a leading runs axis is R
independent problems: every update is elementwise.

The parameters and the hyperparameters are checked once, when the optimiser is made; a
step checks that the gradients fit the parameters, not their values: a step runs at every
training step, right after the training loops have checked every gradient
(``training.check_step``, which stops a diverging run with its cause). A NaN or inf gradient
given to :meth:`Adam.step` directly makes the parameter NaN.
"""
import numpy as np

from .checks import (check_float_arrays, check_fraction, check_lr, check_positive,
                     check_real_array)


class SGD:
    """Plain gradient descent, ``p <- p - lr * g``, for contrast with Adam."""

    def __init__(self, params, lr=1e-2):
        check_lr(lr)
        self.params, self.lr = _checked_params(params), lr

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
        check_lr(lr)
        check_fraction(beta1, "beta1")
        check_fraction(beta2, "beta2")
        check_positive(eps, "eps")
        self.params = _checked_params(params)
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


def _as_list(arrays, name, what):
    """``arrays`` (a list, a tuple, any iterable of arrays) as a list, or a ``ValueError``
    naming it: None, a number, or one array (which would be split into its rows) are not."""
    if isinstance(arrays, np.ndarray):
        raise ValueError(f"{name} must be a list of {what}; got one array of shape "
                         f"{arrays.shape}: pass [array]")
    try:
        return list(arrays)
    except TypeError:
        raise ValueError(f"{name} must be a list of {what}; got {arrays!r:.60} (a "
                         f"{type(arrays).__name__})") from None


def _checked_params(params):
    """The parameters as a list of writable float64 arrays (updated in place), or ValueError."""
    params = _as_list(params, "params", "writable float64 arrays (updated in place)")
    check_float_arrays(params, [f"params[{i}]" for i in range(len(params))])
    return params


def _checked(params, grads):
    """One gradient per parameter, of its shape, real numbers, or ValueError (values: see
    the module). A gradient that is not a NumPy array of real numbers (a list ...) is
    converted, or named when it holds strings, complex numbers or booleans."""
    grads = _as_list(grads, "grads", "gradient arrays, one per parameter")
    if len(grads) != len(params):
        raise ValueError(f"got {len(grads)} gradients for {len(params)} parameters")
    for i, (p, g) in enumerate(zip(params, grads)):
        if not (isinstance(g, np.ndarray) and g.dtype.kind in "fiu"):
            grads[i] = g = check_real_array(g, f"grads[{i}]")
        if g.shape != p.shape:
            raise ValueError(f"gradient {i} has shape {np.shape(g)}, parameter has {p.shape}")
    return grads
