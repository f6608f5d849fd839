"""Torch's default initialisation, as the paper's authors used it: every weight
and bias uniform in +-1/sqrt(fan_in), where fan_in is the inputs of one unit."""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer.links as L
import numpy as np


def init_like_torch(link, rng):
    for child in link.links():
        if isinstance(child, (L.Linear, L.Convolution2D)):
            fan_in = int(np.prod(child.W.shape[1:]))
            bound = 1 / np.sqrt(fan_in)
            child.W.array[...] = rng.uniform(-bound, bound, child.W.shape)
            if child.b is not None:
                child.b.array[...] = rng.uniform(-bound, bound, child.b.shape)
