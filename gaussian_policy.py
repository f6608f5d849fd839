"""The Gaussian policy for continuous actions, as the paper's supplementary section on continuous
control describes it: a linear layer gives the mean, a linear layer and a SoftPlus the variance of
each of the action's dimensions (a diagonal covariance). ChainerRL's A3C for MuJoCo
(LinearGaussianPolicyWithDiagonalCovariance) does the same, except that it bounds the mean with a tanh.

With mu, v = sigma^2 (m, d), an action a (d,) and LOG_2PI = log(2 pi):

    log pi(a|s) = -1/2 sum_j (LOG_2PI + log v_j + (a_j - mu_j)^2 / v_j)
    H(pi(.|s))  =  1/2 sum_j (LOG_2PI + 1 + log v_j)
"""
import math

import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np

from linear import linear
from segment_loss import SegmentLoss

LOG_2PI = math.log(2 * math.pi)
# Ours, not the paper's: a floor under the variance. SoftPlus alone let it fall to 0 in float32 on
# HalfCheetah-v5 within seconds (then log v and the gradient's 1 / v are infinite).
MIN_VAR = 1e-4


class FCGaussianPolicy(chainer.ChainList):
    """0: the mean's linear layer, 1: the variance's (before its SoftPlus; MIN_VAR is added after it)."""
    action_dtype = np.float32

    def __init__(self, n_input_channels, action_size):
        self.action_shape = (action_size,)
        super().__init__(L.Linear(n_input_channels, action_size), L.Linear(n_input_channels, action_size))

    def forward(self, h):
        mean, var = self
        return GaussianPolicyOutput(linear(h, mean.W, mean.b), F.softplus(linear(h, var.W, var.b)) + MIN_VAR)


class GaussianPolicyOutput:
    """pi(.|s) for a batch of states: the mean and the variance (batch, action_size)."""

    def __init__(self, mean, var):
        self.mean = mean
        self.var = var

    def sample(self, rng, deterministic=False):
        """An action for the first state: drawn from the Gaussian, or its mean."""
        mean = self.mean.array[0]
        if deterministic:
            return mean.copy()
        noise = rng.standard_normal(mean.shape).astype(np.float32)
        return mean + np.sqrt(self.var.array[0]) * noise


def log_prob(mean, var, actions):
    return -0.5 * (LOG_2PI + np.log(var) + (actions - mean) ** 2 / var).sum(axis=1)


def entropy(var):
    return 0.5 * (LOG_2PI + 1 + np.log(var)).sum(axis=1)


class GaussianA3CLoss(SegmentLoss):
    """A3CLoss (a3c.py) for a Gaussian policy, with its closed-form gradient: inputs mean, var
    (m, d) and values (m, 1), of which the first n = len(actions) rows are the segment's.

        d loss/d mu = -A (a - mu) / v
        d loss/d v  = -A ((a - mu)^2 / v - 1) / (2 v) - beta / (2 v)
        d loss/d V  = -v_loss_coef (R - V)
    """
    action_dtype = np.float32

    def forward(self, inputs):
        self.input_shapes = [x.shape for x in inputs]
        n = len(self.actions)
        self.mean, self.var = inputs[0][:n], inputs[1][:n]
        return self.summed_loss(log_prob(self.mean, self.var, self.actions), entropy(self.var), inputs[2][:n, 0])

    def backward(self, indexes, grad_outputs):
        advantages = self.advantages[:, None]
        difference = self.actions - self.mean
        g_mean = -advantages * difference / self.var
        g_var = (-advantages * (difference ** 2 / self.var - 1) - self.beta) / (2 * self.var)
        return self.gradients(grad_outputs[0].array, [g_mean, g_var])
