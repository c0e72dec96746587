"""Dense layer, ReLU and mean squared error as forward/backward pairs.

**The contract**, the same for every pair in the package (losses included)::

    out, cache = thing_forward(inputs ...)
    grads      = thing_backward(dout, cache)

``*_backward`` takes the upstream gradient ``dout = dL/dout`` (shaped like ``out``) and the
cache, and returns the gradients of the inputs. For a loss, ``out`` is the loss itself and
``dout = dL/dloss`` is 1 when the loss is what you differentiate (the CS231n pattern).

Points are stored as **columns**: a batch of N inputs to a layer is ``x`` of shape
``(fan_in, N)``, so a layer is literally ``W x + b`` with the paper's matrix ``W`` of shape
``(fan_out, fan_in)``.

All arrays are float64. A leading *runs* axis is allowed everywhere: ``x`` may be
``(R, fan_in, N)`` and ``W`` ``(R, fan_out, fan_in)`` for R independent networks trained at
once. The maths is the same; the runs axis is only a batch axis (which is why the transposes
are written ``np.swapaxes(W, -1, -2)``: ``W.T`` would also swap the runs axis).
"""
import numpy as np

from .checks import check_finite_targets, check_targets


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
    out += b[..., None]          # in place: one array fewer per layer
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
    db : (..., fan_out) float64, ``dout`` summed over the N points
    """
    x, W = cache
    # BEGIN SOLUTION ch03 dense_backward (section 1): compute dx, dW and db from dout and the cache
    #   (a runs axis may lead)
    dx = np.swapaxes(W, -1, -2) @ dout
    dW = dout @ np.swapaxes(x, -1, -2)
    db = dout.sum(axis=-1)
    # END SOLUTION
    return dx, dW, db


def relu_forward(z):
    """ReLU, ``max(z, 0)`` elementwise.

    Parameters
    ----------
    z : array of any shape, float64

    Returns
    -------
    out : array shaped like ``z``
    cache : bool array shaped like ``z``, True where the neuron is on (``z > 0``)
    """
    on = z > 0
    return np.maximum(z, 0.0), on


def relu_backward(dout, cache):
    """Backward of :func:`relu_forward`: the gradient passes where the neuron is on.

    At ``z == 0`` exactly the derivative is taken as 0 (the neuron counts as off).

    Parameters
    ----------
    dout : array shaped like ``z``, dL/dout
    cache : from :func:`relu_forward`

    Returns
    -------
    dz : array shaped like ``z``
    """
    on = cache
    # BEGIN SOLUTION ch03 relu_backward (section 2): let dout through where the neuron is on, zero
    #   elsewhere
    dz = dout * on
    # END SOLUTION
    return dz


def mse_forward(pred, y):
    """Mean squared error per network, averaged over the N points.

    Parameters
    ----------
    pred : (..., N) float64, network outputs, N >= 1
    y : (N,) or shaped like ``pred``, float64, finite targets (broadcast against ``pred``,
        never adding an axis to it)

    Returns
    -------
    loss : (...) float64, one MSE per network (a float for one network)
    cache : tuple (residual ``pred - y`` (..., N), N)

    Raises ValueError when the shapes do not fit, there is no point, or ``y`` holds NaN or
    inf (a few cheap tests: this runs at every training step). A non-finite ``pred`` gives a
    non-finite loss: the training loops stop there and say why (``training.check_step``).
    """
    pred, y = check_targets(pred, y)
    r = pred - y
    loss = np.mean(r * r, axis=-1)
    check_finite_targets(loss, y)
    return loss, (r, r.shape[-1])


def mse_backward(dloss, cache):
    """Backward of :func:`mse_forward`: ``dL/dpred = dloss * 2 (pred - y) / N``.

    With several networks each gets the gradient of its own loss (the sum of the losses is
    what is differentiated, and the networks do not share parameters).

    Parameters
    ----------
    dloss : float or (...) float64, dL/dloss (1.0 to differentiate the loss itself)
    cache : from :func:`mse_forward`

    Returns
    -------
    dpred : (..., N) float64
    """
    r, n = cache
    # BEGIN SOLUTION ch03 mse_backward (section 2): compute dpred = dL/dpred from dloss and the
    #   cache (residual r, count n)
    dpred = np.asarray(dloss)[..., None] * 2.0 * r / n
    # END SOLUTION
    return dpred
