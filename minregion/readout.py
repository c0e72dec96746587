"""The least-squares read-out: the best output scale and shift for fixed features.

A network whose last layer is linear, ``out = coef . g(x) + bias``, is linear in ``coef`` and
``bias`` once the features ``g`` are fixed, so their best values are a least-squares fit.
The construction starts from it (``alpha`` and ``beta`` for one feature, the network with
alpha = 1, beta = 0 [choice]), and so do the extensions (two halves of a difference, or the K
sub-networks of a triangle layer).

With centred features ``G_c = G - mean(G)`` and targets ``y_c = y - mean(y)``, the normal
equations are ``(G_c G_c^T) coef = G_c y_c`` and ``bias = mean(y) - coef . mean(G)``. For one
feature this is the textbook ``alpha = sum(g_c y_c) / sum(g_c^2)``.
"""
import numpy as np

from .checks import check_readout_data, check_real_array


def lstsq_readout(features, y):
    """``min_{coef, bias} |coef . features + bias - y|^2``, per run.

    Parameters
    ----------
    features : (..., K, N) float64, K features at N points (the leading axes are runs)
    y : (..., N) or (N,) float64, targets

    Returns
    -------
    coef : (..., K) float64
    bias : (...) float64

    Raises
    ------
    ValueError when two features are linearly dependent (the fit is not unique), and when the
    arrays are not real and finite or their shapes do not match. A constant feature gets
    ``coef = 0``.
    """
    features, y = check_real_array(features, "features"), check_real_array(y, "y")
    if features.ndim < 2 or features.shape[-1] == 0 or features.shape[-2] == 0:
        raise ValueError(f"features must have shape (..., K, N): K >= 1 features at N >= 1 "
                         f"points; got {features.shape}")
    if not (np.all(np.isfinite(features)) and np.all(np.isfinite(y))):
        raise ValueError("features and y must be finite (no NaN or inf)")
    try:
        y = np.broadcast_to(y, features.shape[:-2] + features.shape[-1:])
    except ValueError:
        raise ValueError(f"y must have shape (N,) or (..., N) to match features of shape "
                         f"{features.shape} (..., K, N); got {y.shape}") from None
    mean_g, mean_y = features.mean(axis=-1), y.mean(axis=-1)
    gc = features - mean_g[..., None]
    yc = y - mean_y[..., None]
    gram = np.sum(gc[..., :, None, :] * gc[..., None, :, :], axis=-1)   # (..., K, K)
    rhs = np.sum(gc * yc[..., None, :], axis=-1)                         # (..., K)
    K = gram.shape[-1]
    # Dependent features: the correlation matrix of the non-constant ones is singular.
    norm = np.sqrt(np.diagonal(gram, axis1=-2, axis2=-1))
    norm = np.where(norm > 0, norm, 1.0)
    corr = gram / (norm[..., :, None] * norm[..., None, :])
    corr = corr + np.eye(K) * (np.diagonal(gram, axis1=-2, axis2=-1) == 0)[..., None, :]
    if K > 1 and np.min(np.linalg.eigvalsh(corr)) < 1e-12:
        raise ValueError("the read-out features are linearly dependent: the least-squares "
                         "fit is not unique")
    # the 1e-300 guard only matters for a constant feature (a zero row and column)
    coef = np.linalg.solve(gram + 1e-300 * np.eye(K), rhs[..., None])[..., 0]
    return coef, mean_y - np.sum(coef * mean_g, axis=-1)


def fit_alpha_beta(g, y):
    """Least-squares output scale and shift of one construction: ``min |alpha g + beta - y|^2``.

    Parameters
    ----------
    g : (R, N) or (N,) the construction's output with alpha = 1, beta = 0
    y : (R, N) or (N,) targets, N >= 1 points as g (and R rows as g when both have rows)

    Returns
    -------
    alpha, beta : (R,) float64 arrays (floats for 1-D input)

    Raises ValueError naming ``g`` or ``y`` when they are not real, finite numbers of these
    shapes (``checks.check_readout_data``).
    """
    g, y = check_readout_data(g, y)
    g, y = np.broadcast_arrays(np.asarray(g, np.float64), np.asarray(y, np.float64))
    coef, beta = lstsq_readout(g[..., None, :], y)
    return coef[..., 0], beta
