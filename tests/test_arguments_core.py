"""The core modules name a bad argument and its allowed range instead of failing silently,
returning NaN or failing deep inside NumPy: training data outside the construction's
interval, gradient checks, the loss, the read-out, the weight map, the network's doors, the
triangle helpers, Adam, the region counter, a History and the targets."""
import warnings

import numpy as np
import pytest

from minregion.construction import construction_params
from minregion.reproduce import fast
from minregion.training import train_constrained

X = np.linspace(0.0, 1.0, 20)
Y = X ** 3


def _unchanged(params, before):
    return all(np.array_equal(params[k], before[k]) for k in before)


# --- phase 1 takes x on [lo, hi] only --------------------------------------------------------

@pytest.mark.ch05
@pytest.mark.parametrize("train, runs", [(train_constrained, None), (fast.train_constrained, 2)])
def test_phase_1_refuses_inputs_outside_the_interval_it_maps_onto_0_1(train, runs):
    a = [0.3, 0.5, 0.6] if runs is None else [[0.3, 0.5, 0.6]] * runs
    params = construction_params(a)
    before = {k: v.copy() for k, v in params.items()}
    x = np.linspace(-1.0, 1.0, 20)
    with pytest.raises(ValueError, match=r"x must lie in \[lo, hi\] = \[0, 1\], the interval the "
                                         r"construction maps onto \[0, 1\]; got values in "
                                         r"\[-1, 1\]: pass lo=-1.0, hi=1.0"):
        train(params, x, x ** 2, -1, 2)
    with pytest.raises(ValueError, match=r"got values in \[0, 2\]: pass lo=0.0, hi=2.0"):
        train(params, 2 * X, Y, -1, 2)
    with pytest.raises(ValueError, match=r"\[lo, hi\] = \[0.5, 2\], .*; got values in "
                                         r"\[0, 1\]: pass lo=0.0, hi=2.0"):
        train(params, X, Y, -1, 2, lo=0.5, hi=2.0)
    assert _unchanged(params, before)
    train(params, x, x ** 2, -1, 2, lo=-1.0, hi=1.0)      # the ends themselves are inside
