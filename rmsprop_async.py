"""RMSProp whose statistics are shared by all workers, as in the A3C paper.

    g      <- alpha * g + (1 - alpha) * grad^2
    theta  <- theta - lr * grad / sqrt(g + eps)      (eps INSIDE the square root)

The gradient is first clipped to global L2 norm max_grad_norm; weight decay
(0 by default) adds rate * theta to the gradient of weights, not biases. The
parameters and the statistics are flat float32 vectors, the gradient the same
vector in pieces (one per parameter, in the flat layout); the update writes the
first two in place, without a lock (Hogwild).
"""
import math

import numba
import numpy as np

from errors import NonFiniteError


# The statistics and the step in one pass over the vectors, where NumPy needs eight (each a
# temporary's read and write); the same float32 operations in the same order, so the result is
# NumPy's bit for bit. The new parameters also go to `local` (the worker's copy), so that no
# second pass copies them back. error_model='numpy': a division by zero gives inf rather than
# raising, which lets LLVM vectorize the loop (eps > 0 keeps the divisor positive anyway).
@numba.njit('void(float32[::1], float32[::1], float32[::1], float32[::1], float32, float32, float32, float32)',
            error_model='numpy', nogil=True, cache=True)
def _rmsprop_pass(params, stats, grad, local, alpha, grad_square_scale, eps, step_scale):
    for i in range(params.size):
        g = grad[i]
        s = alpha * stats[i] + g * g * grad_square_scale
        stats[i] = s
        theta = params[i] - g / math.sqrt(s + eps) * step_scale
        params[i] = theta
        local[i] = theta


class RMSpropAsync:

    def __init__(self, alpha=0.99, eps=0.1, max_grad_norm=40.0, weight_decay=0.0, weight_mask=None):
        self.alpha = np.float32(alpha)
        self.eps = np.float32(eps)
        self.max_grad_norm = max_grad_norm
        self.weight_decay = np.float32(weight_decay)
        self.weight_mask = weight_mask

    def update(self, params, stats, pieces, lr, local=None):
        """One step on params and stats (both shared), from the gradient in pieces (modified in
        place); return the gradient's norm before clipping.

        pieces: flat vectors that together are the gradient in the flat layout, such as one per
        parameter (async_util.gradients_in_order: nothing gathered) or the whole in one.
        local: a vector that receives the new parameters as well.
        """
        size = sum(piece.size for piece in pieces)
        if size != params.size:
            raise ValueError(f'the gradient has {size} entries, the parameters {params.size}')
        # Rounded to float32 as one float32 dot would be: one piece gives that dot's norm exactly.
        norm = float(np.sqrt(np.float32(sum(float(np.dot(piece, piece)) for piece in pieces))))
        if not math.isfinite(norm):
            raise NonFiniteError(f'the gradient holds inf or NaN (norm {norm}); nothing was applied')
        # The clipping factor rides on the scalars the pass multiplies by anyway (c^2 on the
        # squared gradient, c on the step).
        clip = min(1.0, self.max_grad_norm / norm) if norm > 0 else 1.0
        if self.weight_decay and clip < 1:  # decay joins the clipped gradient: scale it first
            for piece in pieces:
                piece *= np.float32(clip)
            clip = 1.0
        # In float64, then rounded, as numpy 1 computed it; numpy 2 would round each product.
        grad_square_scale = np.float32((1 - float(self.alpha)) * clip * clip)
        step_scale = np.float32(lr * clip)
        local = params if local is None else local
        start = 0
        for piece in pieces:
            part = slice(start, start + piece.size)
            if self.weight_decay:
                piece += params[part] * self.weight_mask[part] * self.weight_decay
            _rmsprop_pass(params[part], stats[part], piece, local[part], self.alpha, grad_square_scale,
                          self.eps, step_scale)
            start += piece.size
        return norm
