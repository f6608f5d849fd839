"""Observation normalisation for vector observations (--normalize-obs on): the model reads each
number as (x - mean) / std over all observations the workers have seen so far, clipped to
+-CLIP, as Stable-Baselines3's VecNormalize does (its clip_obs 10, epsilon 1e-8). Not the paper's:
an option, off by default. MuJoCo's velocities (HalfCheetah's reach 20 where its angles stay under 1)
make an unnormalised value function diverge (trained_model/half_cheetah_ff/README.md).

The running count, mean and variance are the model's parameters in name only: so they live in the
shared parameter vector and travel with it into every worker's copy, the evaluations, checkpoints
and model files. Nothing trains them: they never get a gradient, and RMSProp's step for a zero
gradient leaves them as they are. Each worker adds its observations to the shared statistics
(observe), Hogwild-style, as it acts; a lost update loses one observation's share.
"""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import numpy as np

CLIP = 10.0
EPSILON = 1e-8


class ObservationNormalizer(chainer.Link):

    def __init__(self, size):
        super().__init__()
        with self.init_scope():
            self.count = chainer.Parameter(np.zeros(1, np.float32))
            self.mean = chainer.Parameter(np.zeros(size, np.float32))
            self.var = chainer.Parameter(np.ones(size, np.float32))

    def forward(self, x):
        """x (batch, size) -> normalised float32, a plain array: nothing flows back into the statistics."""
        x = x.array if isinstance(x, chainer.Variable) else x
        normalized = (x - self.mean.array) / np.sqrt(self.var.array + np.float32(EPSILON))
        return np.clip(normalized, -CLIP, CLIP).astype(np.float32, copy=False)


def observe(count, mean, var, x):
    """Add one observation x to the running (count, mean, variance) in place (Welford's update of the
    population variance); count, mean, var are views of the shared parameters."""
    n = count[0] + 1
    delta = x - mean
    mean += delta / n
    var += (delta * (x - mean) - var) / n
    count[0] = n
