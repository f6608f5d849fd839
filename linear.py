"""A fully connected layer (optionally followed by ReLU) as one FunctionNode, for the A3C torso's
2592 -> 256 layer, the LSTM's input weights and the policy and value heads.

F.linear computes x W^T; for the batches A3C uses (1 to t_max + 1 rows) the
product W x^T is faster on the CPU, and like convolution_2d_valid it can replay an output that acting computed with
the same weights instead of computing it again. The results equal F.linear's
(tests/test_fast_layers.py); with relu=True the ReLU is in the same node.
"""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import numpy as np

from apply_node import apply_node


class Linear(chainer.FunctionNode):

    def __init__(self, relu, replay=None):
        self.relu = relu
        self.replay = replay

    def forward(self, inputs):
        x, W, b = inputs
        self.retain_inputs((0, 1))
        if self.relu:
            self.retain_outputs((0,))
        if self.replay is not None:
            return self.replay[0],
        y = np.ascontiguousarray((W @ x.reshape(len(x), -1).T).T)
        y += b
        if self.relu:
            np.maximum(y, 0, out=y)
        return y,

    def backward(self, indexes, grad_outputs):
        x, W = (variable.array for variable in self.get_retained_inputs())
        gy = grad_outputs[0].array
        if self.relu:
            gy = gy * (self.get_retained_outputs()[0].array > 0)
        gx = gW = gb = None
        if 0 in indexes:
            gx = chainer.Variable(input_gradient(gy, W).reshape(x.shape))
        if 1 in indexes:
            gW = chainer.Variable(weight_gradient(gy, x.reshape(len(x), -1)))
        if 2 in indexes:
            gb = chainer.Variable(gy.sum(axis=0))
        return gx, gW, gb


# For a few rows, OpenBLAS multiplies by W fastest in slices of W's rows of about this many bytes
# (half of this CPU's 1 MB L2 cache): the whole of a large W at once, it spends its time packing
# W; row by row (a matrix-vector product each), it reads all of W once per row.
SLICE_BYTES = 2 ** 19


def rows_per_slice(W):
    return max(1, SLICE_BYTES // (W.shape[1] * W.itemsize))


def input_gradient(gy, W):
    """gy @ W, summed over slices of W's rows (bench/README.md, "The fully connected layers'
    gradients")."""
    rows = rows_per_slice(W)
    gx = gy[:, :rows] @ W[:rows]
    for start in range(rows, len(W), rows):
        gx += gy[:, start:start + rows] @ W[start:start + rows]
    return gx


def weight_gradient(gy, x):
    """gy^T @ x, written in slices of the same size."""
    gyT = np.ascontiguousarray(gy.T)
    gW = np.empty((gy.shape[1], x.shape[1]), gy.dtype)
    rows = rows_per_slice(x)
    for start in range(0, len(gW), rows):
        np.matmul(gyT[start:start + rows], x, out=gW[start:start + rows])
    return gW


def linear(x, W, b, relu=False, keep=None, replay=None):
    """F.linear(x, W, b) (x flattened after its first axis), then F.relu if relu, faster on the
    CPU for a few rows.

    keep: a list to which this call appends its (output,). replay: such a tuple,
    computed earlier for x with the same W, b and relu: no computing, just the graph.
    """
    y = apply_node(Linear(relu, replay), (x, W, b))[0]
    if keep is not None:
        keep.append((y.array,))
    return y
