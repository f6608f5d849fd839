"""The Gaussian policy for continuous actions against the closed forms of a normal distribution."""
import math

import chainer
import numpy as np
import pytest

from gaussian_policy import MIN_VAR, FCGaussianPolicy, GaussianA3CLoss

MEAN = np.array([[0.5, -1.0], [2.0, 0.0]], np.float32)
VAR = np.array([[0.25, 1.5], [0.04, 2.0]], np.float32)
ACTIONS = np.array([[0.1, -0.5], [2.3, 1.0]], np.float32)
RETURNS = np.array([1.5, -0.3], np.float32)
VALUES = np.array([0.5, 0.2], np.float32)


def normal_log_density(x, mean, var):
    """log of exp(-(x - mean)^2 / (2 var)) / sqrt(2 pi var), in float64."""
    x, mean, var = (np.asarray(v, np.float64) for v in (x, mean, var))
    return -(x - mean) ** 2 / (2 * var) - 0.5 * np.log(2 * math.pi * var)


def loss_and_gradients(beta=0.01, v_loss_coef=0.5):
    """The loss node on the two states, with a bootstrap row beyond them (which gets no gradient)."""
    mean = chainer.Variable(np.concatenate([MEAN, [[9.0, 9.0]]]).astype(np.float32))
    var = chainer.Variable(np.concatenate([VAR, [[3.0, 3.0]]]).astype(np.float32))
    values = chainer.Variable(np.array([[VALUES[0]], [VALUES[1]], [7.0]], np.float32))
    node = GaussianA3CLoss(ACTIONS, RETURNS, beta, v_loss_coef)
    loss = node.apply((mean, var, values))[0]
    loss.backward()
    assert not mean.grad[2].any() and not var.grad[2].any() and values.grad[2, 0] == 0
    return node, loss, mean.grad[:2], var.grad[:2], values.grad[:2, 0]


def test_log_probability_and_entropy_against_the_normal_distributions_closed_forms():
    node, loss, _, _, _ = loss_and_gradients(beta=0.01)
    log_prob = normal_log_density(ACTIONS, MEAN, VAR).sum(axis=1)
    entropy = (0.5 * np.log(2 * math.pi * math.e * VAR.astype(np.float64))).sum(axis=1)
    np.testing.assert_allclose(node.entropy, entropy, rtol=1e-5)
    advantages = RETURNS - VALUES
    np.testing.assert_allclose(node.policy_loss, -(log_prob * advantages).sum(), rtol=1e-5)
    expected = -(log_prob * advantages).sum() - 0.01 * entropy.sum() + 0.25 * (advantages ** 2).sum()
    assert float(loss.array) == pytest.approx(expected, rel=1e-5)


def test_gradients_against_the_closed_forms_and_a_numerical_derivative():
    beta = 0.01
    _, _, g_mean, g_var, g_values = loss_and_gradients(beta=beta)
    advantages = (RETURNS - VALUES)[:, None].astype(np.float64)
    mean, var, actions = (x.astype(np.float64) for x in (MEAN, VAR, ACTIONS))
    # d log N / d mean = (a - mean) / var;  d log N / d var = ((a - mean)^2 / var - 1) / (2 var);  d H / d var = 1 / (2 var)
    np.testing.assert_allclose(g_mean, -advantages * (actions - mean) / var, rtol=1e-5)
    np.testing.assert_allclose(g_var, -advantages * ((actions - mean) ** 2 / var - 1) / (2 * var) - beta / (2 * var),
                               rtol=1e-5)
    np.testing.assert_allclose(g_values, -0.5 * (RETURNS - VALUES), rtol=1e-5)

    def loss_of(mean_and_var):  # with the advantage held constant, as the node holds it
        m, v = mean_and_var[:4].reshape(2, 2), mean_and_var[4:].reshape(2, 2)
        log_prob = normal_log_density(ACTIONS, m, v).sum(axis=1)
        return -(log_prob * advantages[:, 0]).sum() - beta * (0.5 * np.log(2 * math.pi * math.e * v)).sum()
    point = np.concatenate([mean.ravel(), var.ravel()])
    h = 1e-6
    numerical = [(loss_of(point + h * e) - loss_of(point - h * e)) / (2 * h) for e in np.eye(len(point))]
    np.testing.assert_allclose(np.concatenate([g_mean.ravel(), g_var.ravel()]), numerical, rtol=1e-4)


def test_the_variance_is_a_softplus_above_a_floor_and_samples_follow_the_gaussian():
    policy = FCGaussianPolicy(3, 2)
    h = np.array([[0.3, -0.2, 1.0]], np.float32)
    out = policy(h)
    pre_var = h @ policy[1].W.array.T + policy[1].b.array
    np.testing.assert_allclose(out.var.array, np.log1p(np.exp(pre_var)) + MIN_VAR, rtol=1e-5)
    assert (policy(np.full((1, 3), -1e4, np.float32)).var.array >= MIN_VAR).all()  # SoftPlus alone: 0
    np.testing.assert_allclose(out.mean.array, h @ policy[0].W.array.T + policy[0].b.array, rtol=1e-5)
    rng = np.random.RandomState(0)
    samples = np.array([out.sample(rng) for _ in range(20000)])
    assert samples.dtype == np.float32
    np.testing.assert_allclose(samples.mean(axis=0), out.mean.array[0], atol=0.05)
    np.testing.assert_allclose(samples.var(axis=0), out.var.array[0], rtol=0.05)
    np.testing.assert_array_equal(out.sample(rng, deterministic=True), out.mean.array[0])
