"""Chapter 3: Adam and SGD on fixtures worked out by hand."""
import numpy as np
import pytest

from minregion.optim import SGD, Adam

from assertions import assert_close

pytestmark = pytest.mark.ch03


def test_adam_first_step_moves_every_parameter_by_lr():
    """After one step m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps)."""
    p = np.array([0.5, -1.0, 2.0])
    opt = Adam([p], lr=0.1, eps=1e-8)
    opt.step([np.array([1.0, -4.0, 1e-3])])
    assert opt.t == 1
    assert_close("Adam.step: p after the first step", p,
                 [0.5 - 0.1 / (1 + 1e-8), -1.0 + 0.1 * 4 / (4 + 1e-8),
                  2.0 - 0.1 * 1e-3 / (1e-3 + 1e-8)], rtol=1e-15)


def test_adam_two_steps_worked_by_hand():
    """g = +1 then g = -1, lr = 0.1, betas (0.9, 0.999).

    Step 2: m = 0.9 * 0.1 - 0.1 = -0.01, m_hat = -0.01 / (1 - 0.81) = -1/19;
            v = 0.999 * 0.001 + 0.001 = 0.001999, v_hat = 0.001999 / (1 - 0.999^2) = 1.
    So p = 0.5 - 0.1/(1 + eps) + 0.1 * (1/19) / (1 + eps) = 0.405263157...
    """
    p = np.array([0.5])
    opt = Adam([p], lr=0.1)
    opt.step([np.array([1.0])])
    opt.step([np.array([-1.0])])
    assert opt.t == 2
    assert_close("Adam.step: m after two steps (updated in place)", opt.m[0], [-0.01], rtol=1e-14)
    assert_close("Adam.step: v after two steps (updated in place)", opt.v[0], [0.001999],
                 rtol=1e-14)
    assert_close("Adam.step: p after two steps", p,
                 [0.5 - 0.1 / (1 + 1e-8) + 0.1 / 19 / (1 + 1e-8)], rtol=1e-14)
    assert_close("Adam.step: p after two steps, by hand", p, [0.4052631579], rtol=0, atol=1e-9)


def test_adam_from_a_prefilled_state():
    """The CS231n fixture style: linspace arrays, state set by hand, t = 5 before the step."""
    w = np.linspace(-0.4, 0.6, 4)
    dw = np.linspace(-0.6, 0.4, 4)
    opt = Adam([w], lr=1e-2)
    opt.m[0][:] = np.linspace(0.6, 0.9, 4)
    opt.v[0][:] = np.linspace(0.7, 0.5, 4)
    opt.t = 5
    m = 0.9 * np.linspace(0.6, 0.9, 4) + 0.1 * dw
    v = 0.999 * np.linspace(0.7, 0.5, 4) + 0.001 * dw**2
    expected = w - 1e-2 * (m / (1 - 0.9**6)) / (np.sqrt(v / (1 - 0.999**6)) + 1e-8)
    opt.step([dw])
    assert_close("Adam.step: w from a prefilled state at t = 5", w, expected, rtol=1e-14)
    # entry 0 by hand: m = 0.9*0.6 + 0.1*(-0.6) = 0.48, m_hat = 0.48 / 0.468559 = 1.024417;
    # v = 0.999*0.7 + 0.001*0.36 = 0.69966, v_hat = 0.69966 / 0.00598503 = 116.9017;
    # step = 0.01 * 1.024417 / sqrt(116.9017) = 0.00094747, so w[0] = -0.40094747
    assert_close("Adam.step: w[0] by hand", w[0], -0.40094747, rtol=0, atol=1e-8)


def test_adam_state_is_per_parameter_and_elementwise():
    """Two parameters, or one parameter with a runs axis: the updates do not mix."""
    p1, p2 = np.array([1.0]), np.array([1.0, 1.0])
    opt = Adam([p1, p2], lr=0.1)
    for g in (3.0, -1.0, 2.0):
        opt.step([np.array([g]), np.array([g, 100 * g])])
    assert_close("Adam.step: p1 against the first entry of p2", p1, p2[:1], rtol=1e-15)


def test_sgd_step():
    p = np.array([1.0, 2.0])
    SGD([p], lr=0.5).step([np.array([2.0, -2.0])])
    np.testing.assert_array_equal(p, [0.0, 3.0])


def test_optimisers_reject_bad_input():
    with pytest.raises(ValueError, match="lr"):
        Adam([np.zeros(2)], lr=0.0)
    with pytest.raises(ValueError, match="lr"):
        SGD([np.zeros(2)], lr=np.nan)
    with pytest.raises(ValueError, match="shape"):
        Adam([np.zeros(2)]).step([np.zeros(3)])


@pytest.mark.parametrize("kwargs, match", [
    (dict(beta1=1.0), "beta1 must lie in"), (dict(beta2=-1.0), "beta2 must lie in"),
    (dict(beta1=float("nan")), "beta1 must lie in"), (dict(eps=-1.0), "eps must be > 0"),
    (dict(eps=float("nan")), "eps must be > 0 and finite"), (dict(lr=float("inf")), "lr must"),
])
def test_adam_refuses_hyperparameters_that_give_nan_when_made(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adam([np.ones(3)], **kwargs)


def test_optimisers_refuse_parameters_they_cannot_update_in_place():
    for make in (Adam, SGD):
        with pytest.raises(ValueError, match=r"params\[0\] must be a float64 NumPy array"):
            make([np.ones(3, dtype=int)])
