"""Convolution without padding (optionally followed by ReLU), for the A3C torso, as block products.

A kernel of k = m * s pixels moved with stride s is an m x m kernel moved with
stride 1 over the image cut into s x s blocks ("space to depth"). So instead of
Chainer's column matrix, which copies every pixel (k/s)^2 times (4 times for
both of the torso's convolutions), this FunctionNode copies the image once into
blocks, (batch * blocks_h * blocks_w, channels * s * s), multiplies all m x m
block kernels by that at once, and adds the m * m products shifted by their
block offset. The weight gradient is one product of the blocks with the output
gradient placed at those offsets, the input gradient the product of that with
the block kernels, then the blocks put back as pixels. A kernel that is not a
multiple of the stride is padded with zero weights. The results equal
F.convolution_2d's (tests/test_fast_layers.py); with relu=True the ReLU is in
the same node (one node less for Chainer to run, forward and backward).

The agent runs the same weights on each state twice: once to act, then in
the update's batch. `keep` hands out a call's blocks and output, and `replay`
builds the update's graph from those instead of computing them again.
"""
import functools
import itertools

import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import numba
import numpy as np

from apply_node import apply_node


class Convolution2DValid(chainer.FunctionNode):

    def __init__(self, stride, relu, replay=None):
        self.stride = stride
        self.relu = relu
        self.replay = replay

    def forward(self, inputs):
        x, W, b = inputs
        self.x_shape = x.shape
        self.retain_inputs((1,))
        if self.relu:
            self.retain_outputs((0,))
        if self.replay is not None:
            self.blocks, y = self.replay
            return y,
        s, k = self.stride, W.shape[2]
        out_h, out_w, m = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1, -(-k // s)
        self.blocks = space_to_depth(x, s, out_h + m - 1, out_w + m - 1)
        # Channel-major products (offset, out channel, image, block row, block column): the
        # shifted sums then run along whole block rows.
        products = block_kernels(W, s, m) @ self.blocks.T
        products = products.reshape(m, m, len(W), len(x), out_h + m - 1, out_w + m - 1)
        return _shifted_sum(products, b, out_h, out_w, self.relu),

    def backward(self, indexes, grad_outputs):
        W = self.get_retained_inputs()[0].array
        gy = grad_outputs[0].array
        if self.relu:
            gy = gy * (self.get_retained_outputs()[0].array > 0)
        batch, out_channels, out_h, out_w = gy.shape
        s, k = self.stride, W.shape[2]
        m = -(-k // s)
        # The output gradient at each block offset, in the products' order.
        g_products = np.zeros((m, m, out_channels, batch, out_h + m - 1, out_w + m - 1), gy.dtype)
        for i, j in itertools.product(range(m), repeat=2):
            g_products[i, j, :, :, i:i + out_h, j:j + out_w] = gy.transpose(1, 0, 2, 3)
        g_products = g_products.reshape(m * m * out_channels, -1)
        gx = gW = gb = None
        if 0 in indexes:
            g_blocks = g_products.T @ block_kernels(W, s, m)
            gx = chainer.Variable(depth_to_space(g_blocks, self.x_shape, s, out_h + m - 1, out_w + m - 1))
        if 1 in indexes:
            g_kernels = (g_products @ self.blocks).reshape(m, m, out_channels, W.shape[1], s, s)
            gW = g_kernels.transpose(2, 3, 0, 4, 1, 5).reshape(out_channels, W.shape[1], m * s, m * s)
            gW = chainer.Variable(np.ascontiguousarray(gW[:, :, :k, :k]))
        if 2 in indexes:
            gb = chainer.Variable(gy.sum(axis=(0, 2, 3)))
        return gx, gW, gb


# The bias and the m * m products shifted by their block offset, added in that order (NumPy's
# order, so the sums are NumPy's bit for bit), then the ReLU, written in Chainer's (image, channel,
# row, column) order: one compiled pass where NumPy needs a call per offset, the ReLU and a
# transposing copy, each costing more in call overhead than in arithmetic at batch 1.
@numba.njit('float32[:, :, :, ::1](float32[:, :, :, :, :, ::1], float32[::1], int64, int64, boolean)',
            error_model='numpy', nogil=True, cache=True)
def _shifted_sum(products, b, out_h, out_w, relu):
    m, _, channels, batch = products.shape[:4]
    y = np.empty((batch, channels, out_h, out_w), np.float32)
    for n in range(batch):
        for c in range(channels):
            out = y[n, c]
            for r in range(out_h):
                for q in range(out_w):
                    out[r, q] = products[0, 0, c, n, r, q] + b[c]
            for i in range(m):
                for j in range(m):
                    if i or j:  # whole rows at a time, so that the loop vectorizes
                        shifted = products[i, j, c, n]
                        for r in range(out_h):
                            for q in range(out_w):
                                out[r, q] += shifted[r + i, q + j]
            if relu:
                for r in range(out_h):
                    for q in range(out_w):
                        out[r, q] = max(out[r, q], np.float32(0))
    return y


def space_to_depth(x, s, blocks_h, blocks_w):
    """Images (batch, channels, h, w) -> (batch * blocks_h * blocks_w, channels * s * s): the first
    blocks_h x blocks_w blocks of s x s pixels, one row each (zeros past the image's edge).

    Returned as the transpose of a C-ordered array: copying into that order reads
    the image along whole block rows rather than s pixels at a time.
    """
    batch, channels, height, width = x.shape
    x = x[:, :, :blocks_h * s, :blocks_w * s]
    if x.shape[2:] != (blocks_h * s, blocks_w * s):
        x = np.pad(x, ((0, 0), (0, 0), (0, blocks_h * s - x.shape[2]), (0, blocks_w * s - x.shape[3])))
    blocks = x.reshape(batch, channels, blocks_h, s, blocks_w, s).transpose(1, 3, 5, 0, 2, 4)
    return np.ascontiguousarray(blocks).reshape(channels * s * s, batch * blocks_h * blocks_w).T


def depth_to_space(blocks, x_shape, s, blocks_h, blocks_w):
    """The inverse of space_to_depth: blocks back to images of x_shape (pixels past the blocks: 0)."""
    batch, channels, height, width = x_shape
    x = np.take(blocks.ravel(), _depth_to_space_order(batch, channels, blocks_h, blocks_w, s))
    x = x[:, :, :height, :width]
    if x.shape[2:] == (height, width):
        return np.ascontiguousarray(x)
    out = np.zeros(x_shape, blocks.dtype)
    out[:, :, :x.shape[2], :x.shape[3]] = x
    return out


def block_kernels(W, s, m):
    """Kernels (out, in, k, k) -> (m * m * out, in * s * s): for each of the m x m block offsets and
    each output channel, the kernel's s x s blocks there (zero-padded to k = m * s), as one row."""
    if W.shape[2] != m * s:
        W = np.pad(W, ((0, 0), (0, 0), (0, m * s - W.shape[2]), (0, m * s - W.shape[3])))
    return np.take(W.ravel(), _block_kernel_order(W.shape, s, m))


@functools.lru_cache(maxsize=None)
def _block_kernel_order(shape, s, m):
    """Where each entry of block_kernels' matrix is in the flat kernels: taking those is a few
    times faster than numpy's transposing copy, whose innermost runs are only s long."""
    out_channels, in_channels = shape[:2]
    order = np.arange(np.prod(shape)).reshape(out_channels, in_channels, m, s, m, s).transpose(2, 4, 0, 1, 3, 5)
    return order.reshape(m * m * out_channels, in_channels * s * s).copy()


@functools.lru_cache(maxsize=None)
def _depth_to_space_order(batch, channels, blocks_h, blocks_w, s):
    """Where each pixel of the images the blocks cover is in the flat blocks: taking those beats
    numpy's transposing copy, whose innermost runs are only s long."""
    order = np.arange(batch * blocks_h * blocks_w * channels * s * s)
    order = order.reshape(batch, blocks_h, blocks_w, channels, s, s).transpose(0, 3, 1, 4, 2, 5)
    return order.reshape(batch, channels, blocks_h * s, blocks_w * s).copy()


def convolution_2d_valid(x, W, b, stride, relu=False, keep=None, replay=None):
    """F.convolution_2d(x, W, b, stride, pad=0), then F.relu if relu, faster on the CPU (float32).

    keep: a list to which this call appends its (blocks, output).
    replay: a (blocks, output) pair that an earlier call with the same W, b and
    relu computed for x (kept rows stacked): no computing, just the graph.
    """
    node = Convolution2DValid(stride, relu, replay)
    y = apply_node(node, (x, W, b))[0]
    if keep is not None:
        keep.append((node.blocks, y.array))
    return y
