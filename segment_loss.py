"""What the actor-critic loss nodes of a segment share (a3c.py's A3CLoss for a softmax policy,
gaussian_policy.py's GaussianA3CLoss): the returns, the advantages and the summed loss

    loss = -sum_i A_i log pi(a_i|s_i) - beta sum_i H_i + v_loss_coef sum_i (R_i - V_i)^2 / 2

of the first n = len(actions) rows of the model's outputs (later rows, the bootstrap state's, get
no gradient); each subclass gives log pi(a_i|s_i), H_i and their gradients."""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import numpy as np


class SegmentLoss(chainer.FunctionNode):
    action_dtype = None  # the subclass's: an index, or a vector of reals

    def __init__(self, actions, returns, beta, v_loss_coef):
        self.actions = np.asarray(actions, self.action_dtype)
        self.returns = np.asarray(returns, np.float32)
        self.beta = beta
        self.v_loss_coef = v_loss_coef

    def summed_loss(self, log_pi_taken, entropy, values):
        """The loss from log pi(a_i|s_i), H_i and V_i; keeps the figures stats.csv reports."""
        self.entropy = entropy
        self.values = values
        self.advantages = self.returns - values
        self.policy_loss = -(log_pi_taken * self.advantages).sum()
        # The reported losses in float64 as under numpy 1 (they feed statistics, not the gradient).
        self.value_loss = self.v_loss_coef * float((self.advantages ** 2).sum()) / 2
        loss = float(self.policy_loss) - self.beta * float(self.entropy.sum()) + self.value_loss
        return np.asarray(loss, np.float32),

    def gradients(self, g, policy_gradients):
        """Variables for every input: g times d loss/d (policy's inputs) (given, for the segment's
        n rows) and d loss/dV = -v_loss_coef (R - V); zeros for the rows after them."""
        n = len(self.actions)
        out = [np.zeros(shape, np.float32) for shape in self.input_shapes]
        for full, gradient in zip(out, policy_gradients):
            full[:n] = g * gradient
        out[-1][:n, 0] = g * (-self.v_loss_coef * self.advantages)
        return tuple(chainer.Variable(x) for x in out)
