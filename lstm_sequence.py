"""The LSTM recurrence over a whole segment as one FunctionNode, with hand-written BPTT.

Stepping F.lstm in Python costs four graph nodes per time step, each way; the
recurrence of a 5-step segment is small arithmetic, so that overhead
dominated the LSTM update. This node takes the input's share of the gates
for every step at once (the LSTM's `upward` link applied to the whole
sequence) and runs the recurrence in NumPy, with Chainer's gate layout and
equations (F.lstm): for each step,

    gates = upward_t + h_{t-1} W_lateral^T, split into a, i, f, o (interleaved by unit)
    c_t   = tanh(a) sigmoid(i) + sigmoid(f) c_{t-1}
    h_t   = sigmoid(o) tanh(c_t)

Its outputs and gradients equal those of the step-by-step F.lstm graph
(tests/test_lstm_sequence.py). Like the torso's layers, it can replay in the
update what acting computed.
"""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import numpy as np

from apply_node import apply_node


def _sigmoid(x):
    return 0.5 * np.tanh(0.5 * x) + 0.5


class LSTMSequence(chainer.FunctionNode):

    def __init__(self, replay=None):
        self.replay = replay

    def forward(self, inputs):
        upward, lateral_W, c, h = inputs
        self.retain_inputs((1, 2, 3))
        if self.replay is not None:  # the gates and states that acting computed, step by step
            self.a, self.i, self.f, self.o, self.c, self.hs = self.replay
            return self.hs, self.c[-1:].copy(), self.hs[-1:].copy()
        steps, n = len(upward), lateral_W.shape[1]
        self.a, self.i, self.f, self.o, self.c = (np.empty((steps, n), np.float32) for _ in range(5))
        hs = np.empty((steps, n), np.float32)
        for t in range(steps):
            gates = (upward[t] + h[0] @ lateral_W.T).reshape(n, 4)
            self.a[t] = np.tanh(gates[:, 0])
            i, f, o = _sigmoid(gates[:, 1:]).T
            self.i[t], self.f[t], self.o[t] = i, f, o
            c = (self.a[t] * i + f * c[0])[None]
            self.c[t] = c[0]
            hs[t] = o * np.tanh(c[0])
            h = hs[t:t + 1]
        self.hs = hs
        return hs, c, hs[-1:].copy()

    def backward(self, indexes, grad_outputs):
        lateral_W, c0, h0 = (v.array for v in self.get_retained_inputs())
        steps, n = self.hs.shape
        g_hs, g_c, g_h = (g.array if g is not None else None for g in grad_outputs)
        dh = np.zeros(n, np.float32) if g_h is None else g_h[0].copy()
        dc = np.zeros(n, np.float32) if g_c is None else g_c[0].copy()
        g_upward = np.empty((steps, 4 * n), np.float32)
        for t in reversed(range(steps)):
            if g_hs is not None:
                dh += g_hs[t]
            a, i, f, o = self.a[t], self.i[t], self.f[t], self.o[t]
            tanh_c = np.tanh(self.c[t])
            dc += dh * o * (1 - tanh_c ** 2)
            c_previous = self.c[t - 1] if t > 0 else c0[0]
            gates = g_upward[t].reshape(n, 4)
            gates[:, 0] = dc * i * (1 - a ** 2)
            gates[:, 1] = dc * a * i * (1 - i)
            gates[:, 2] = dc * c_previous * f * (1 - f)
            gates[:, 3] = dh * tanh_c * o * (1 - o)
            dh = g_upward[t] @ lateral_W
            dc = dc * f
        h_previous = np.concatenate([h0, self.hs[:-1]])
        g_lateral_W = g_upward.T @ h_previous
        return tuple(chainer.Variable(g) for g in (g_upward, g_lateral_W, dc[None], dh[None]))


def lstm_sequence(upward, lateral_W, c, h, keep=None, replay=None):
    """Run the LSTM over a sequence; return (h for every step, final c, final h).

    keep: a list to which this call appends its gates and states (a, i, f, o, c, h, each
    (steps, units)). replay: such a tuple, computed earlier from the same c, h, upward and
    weights (kept steps stacked): no computing, just the graph.
    """
    node = LSTMSequence(replay)
    outputs = apply_node(node, (upward, lateral_W, c, h))
    if keep is not None:
        keep.append((node.a, node.i, node.f, node.o, node.c, node.hs))
    return outputs
