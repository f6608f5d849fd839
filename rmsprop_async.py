"""RMSProp whose statistics are shared by all workers, as in the A3C paper.

    g      <- alpha * g + (1 - alpha) * grad^2
    theta  <- theta - lr * grad / sqrt(g + eps)      (eps INSIDE the square root)

The gradient is first clipped to global L2 norm max_grad_norm; weight decay
(0 by default) adds rate * theta to the gradient of weights, not biases. The
parameters, the statistics and the gradient are flat float32 vectors; the
update writes the first two in place, without a lock (Hogwild).
"""
import math

import numpy as np

from errors import NonFiniteError


class RMSpropAsync:

    def __init__(self, size, alpha=0.99, eps=0.1, max_grad_norm=40.0, weight_decay=0.0, weight_mask=None):
        self.alpha = np.float32(alpha)
        self.eps = np.float32(eps)
        self.max_grad_norm = max_grad_norm
        self.weight_decay = np.float32(weight_decay)
        self.weight_mask = weight_mask
        self._tmp = np.empty(size, np.float32)

    def update(self, params, stats, grad, lr):
        """One step on params and stats (both shared), from grad (modified in place); return the
        gradient's norm before clipping."""
        norm = float(np.sqrt(np.dot(grad, grad)))
        if not math.isfinite(norm):
            raise NonFiniteError(f'the gradient holds inf or NaN (norm {norm}); nothing was applied')
        # The clipping factor rides on the scalars the update multiplies by anyway (c^2 on the
        # squared gradient, c on the step): one pass over the vector less.
        clip = min(1.0, self.max_grad_norm / norm) if norm > 0 else 1.0
        tmp = self._tmp
        if self.weight_decay:  # decay joins the clipped gradient: scale it first
            if clip < 1:
                grad *= np.float32(clip)
                clip = 1.0
            np.multiply(params, self.weight_mask, out=tmp)
            tmp *= self.weight_decay
            grad += tmp
        np.multiply(grad, grad, out=tmp)
        tmp *= np.float32((1 - self.alpha) * clip * clip)
        stats *= self.alpha
        stats += tmp
        np.add(stats, self.eps, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(grad, tmp, out=tmp)
        tmp *= np.float32(lr * clip)
        params -= tmp
        return norm
