"""RMSProp whose statistics are shared by all workers, as in the A3C paper.

    g      <- alpha * g + (1 - alpha) * grad^2
    theta  <- theta - lr * grad / sqrt(g + eps)      (eps INSIDE the square root)

The gradient is first clipped to global L2 norm max_grad_norm; weight decay
(0 by default) adds rate * theta to the gradient of weights, not biases. The
parameters, the statistics and the gradient are flat float32 vectors; the
update writes the first two in place, without a lock (Hogwild).
"""
import math

import numba
import numpy as np

from errors import NonFiniteError


# The statistics and the step in one pass over the three vectors, where NumPy needs eight
# (each a temporary's read and write); the same float32 operations in the same order, so the
# result is NumPy's bit for bit. error_model='numpy': a division by zero gives inf rather than
# raising, which lets LLVM vectorize the loop (eps > 0 keeps the divisor positive anyway).
@numba.njit('void(float32[::1], float32[::1], float32[::1], float32, float32, float32, float32)',
            error_model='numpy', nogil=True, cache=True)
def _rmsprop_pass(params, stats, grad, alpha, grad_square_scale, eps, step_scale):
    for i in range(params.size):
        g = grad[i]
        s = alpha * stats[i] + g * g * grad_square_scale
        stats[i] = s
        params[i] -= g / math.sqrt(s + eps) * step_scale


class RMSpropAsync:

    def __init__(self, size, alpha=0.99, eps=0.1, max_grad_norm=40.0, weight_decay=0.0, weight_mask=None):
        self.alpha = np.float32(alpha)
        self.eps = np.float32(eps)
        self.max_grad_norm = max_grad_norm
        self.weight_decay = np.float32(weight_decay)
        self.weight_mask = weight_mask
        self._tmp = np.empty(size, np.float32) if weight_decay else None

    def update(self, params, stats, grad, lr):
        """One step on params and stats (both shared), from grad (modified in place); return the
        gradient's norm before clipping."""
        norm = float(np.sqrt(np.dot(grad, grad)))
        if not math.isfinite(norm):
            raise NonFiniteError(f'the gradient holds inf or NaN (norm {norm}); nothing was applied')
        # The clipping factor rides on the scalars the pass multiplies by anyway (c^2 on the
        # squared gradient, c on the step).
        clip = min(1.0, self.max_grad_norm / norm) if norm > 0 else 1.0
        if self.weight_decay:  # decay joins the clipped gradient: scale it first
            if clip < 1:
                grad *= np.float32(clip)
                clip = 1.0
            np.multiply(params, self.weight_mask, out=self._tmp)
            self._tmp *= self.weight_decay
            grad += self._tmp
        _rmsprop_pass(params, stats, grad, self.alpha, np.float32((1 - self.alpha) * clip * clip),
                      self.eps, np.float32(lr * clip))
        return norm
