"""Convolution without padding, for the A3C torso: one column matrix, one matrix product.

Chainer's own convolution builds its column matrix twice per update (forward,
then again for the weight gradient) and pays a transpose copy inside
tensordot each time. This FunctionNode builds the (batch * out_h * out_w,
in_channels * kh * kw) column matrix once with one strided copy, multiplies it
once, and keeps it for the weight gradient. The results equal
F.convolution_2d's (tests/test_conv2d_valid.py).

The agent runs the same weights on each state twice: once to act, then in
the update's batch. `keep` hands out a call's column matrix and output, and
`replay` builds the update's graph from those instead of computing them again.
"""
import chainer
import numpy as np
from numpy.lib.stride_tricks import as_strided


class Convolution2DValid(chainer.FunctionNode):

    def __init__(self, stride, replay=None):
        self.stride = stride
        self.replay = replay

    def forward(self, inputs):
        x, W, b = inputs
        if self.replay is not None:
            self.col, y = self.replay
            self.x_shape = x.shape
            self.retain_inputs((1,))
            return y,
        batch, channels, height, width = x.shape
        out_channels, _, kh, kw = W.shape
        s = self.stride
        out_h, out_w = (height - kh) // s + 1, (width - kw) // s + 1
        sb, sc, sh, sw = x.strides
        windows = as_strided(x, (batch, out_h, out_w, channels, kh, kw), (sb, sh * s, sw * s, sc, sh, sw))
        self.col = np.ascontiguousarray(windows).reshape(batch * out_h * out_w, channels * kh * kw)
        self.x_shape = x.shape
        self.retain_inputs((1,))
        y = self.col @ W.reshape(out_channels, -1).T
        y += b
        return np.ascontiguousarray(y.reshape(batch, out_h, out_w, out_channels).transpose(0, 3, 1, 2)),

    def backward(self, indexes, grad_outputs):
        W = self.get_retained_inputs()[0].array
        gy = grad_outputs[0].array
        batch, out_channels, out_h, out_w = gy.shape
        gy = gy.transpose(0, 2, 3, 1).reshape(-1, out_channels)
        gx = gW = gb = None
        if 0 in indexes:
            gx = chainer.Variable(self._input_gradient(gy, W, out_h, out_w))
        if 1 in indexes:
            gW = chainer.Variable((self.col.T @ gy).T.reshape(W.shape))  # the faster GEMM orientation here
        if 2 in indexes:
            gb = chainer.Variable(gy.sum(axis=0))
        return gx, gW, gb

    def _input_gradient(self, gy, W, out_h, out_w):
        batch, channels = self.x_shape[:2]
        out_channels, _, kh, kw = W.shape
        s = self.stride
        gcol = (gy @ W.reshape(out_channels, -1)).reshape(batch, out_h, out_w, channels, kh, kw)
        gx = np.zeros(self.x_shape, gy.dtype)
        for i in range(kh):
            for j in range(kw):
                gx[:, :, i:i + s * out_h:s, j:j + s * out_w:s] += gcol[:, :, :, :, i, j].transpose(0, 3, 1, 2)
        return gx


def convolution_2d_valid(x, W, b, stride, keep=None, replay=None):
    """F.convolution_2d(x, W, b, stride, pad=0), faster on the CPU.

    keep: a list to which this call appends its (column matrix, output).
    replay: a (column matrix, output) pair that an earlier call with the same W
    and b computed for x (kept rows stacked): no computing, just the graph.
    """
    node = Convolution2DValid(stride, replay)
    y = node.apply((x, W, b))[0]
    if keep is not None:
        keep.append((node.col, y.array))
    return y
