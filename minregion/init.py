"""Random initialisers for a ``(W, b)`` list, each taking a ``numpy.random.Generator``.

- :func:`init_kaiming`: PyTorch's default for ``nn.Linear`` (the paper's "Kaiming init"):
  ``W, b ~ U(-1/sqrt(fan_in), +1/sqrt(fan_in))``.
- :func:`init_raai`: Lu et al. (2020), randomized asymmetric initialization ("RAAI"): for
  each neuron the vector ``V = [w, b]`` is drawn from ``N(0, 0.6007^2 / fan_in)`` and then one
  entry of ``V`` chosen at random is replaced by a ``Beta(2, 1)`` draw (a positive value, so
  the neuron is unlikely to be born dead).

``widths = [n_in, h_1, ..., h_L, n_out]``; ``runs=R`` draws R independent networks at once
(arrays with a leading ``R`` axis).
"""
import numpy as np

from .checks import check_count, check_generator, check_integer

RAAI_SIGMA = 0.6007


def _check_widths(widths):
    """``widths`` as a list of ints >= 1, two at least, or a ValueError (2.5 or True are
    refused, never truncated)."""
    if not isinstance(widths, (list, tuple, np.ndarray)) or len(widths) < 2:
        raise ValueError(f"widths must list at least two layer sizes, each >= 1; got "
                         f"{widths!r:.60}")
    return [check_count(w, f"widths[{i}]") for i, w in enumerate(widths)]


def _check_runs(runs):
    """The leading shape for ``runs`` : None (no runs axis) or an integer >= 1."""
    return () if runs is None else (check_integer(runs, "runs", 1, " (or None: no runs axis)"),)


def init_kaiming(widths, rng, runs=None):
    """PyTorch-default (``nn.Linear``) initialisation.

    Parameters
    ----------
    widths : sequence of int, ``[n_in, h_1, ..., n_out]``
    rng : numpy.random.Generator
    runs : int or None, draw this many independent networks (leading axis)

    Returns
    -------
    layers : list of (W, b); ``W`` : ``([R,] fan_out, fan_in)``, ``b`` : ``([R,] fan_out)``
    """
    widths, rng, lead = _check_widths(widths), check_generator(rng), _check_runs(runs)
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        W = rng.uniform(-bound, bound, size=lead + (fan_out, fan_in))
        b = rng.uniform(-bound, bound, size=lead + (fan_out,))
        layers.append((W, b))
    return layers


def init_raai(widths, rng, runs=None):
    """Randomized asymmetric initialisation (Lu et al. 2020), applied to every layer.

    Parameters and returns as :func:`init_kaiming`.
    """
    widths, rng, lead = _check_widths(widths), check_generator(rng), _check_runs(runs)
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        V = rng.normal(0.0, RAAI_SIGMA / np.sqrt(fan_in), size=lead + (fan_out, fan_in + 1))
        k = rng.integers(0, fan_in + 1, size=lead + (fan_out,))
        np.put_along_axis(V, k[..., None], rng.beta(2.0, 1.0, size=lead + (fan_out, 1)), axis=-1)
        layers.append((V[..., :fan_in].copy(), V[..., fan_in].copy()))
    return layers
