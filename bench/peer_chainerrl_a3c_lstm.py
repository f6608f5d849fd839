"""ChainerRL 0.8.0's A3C with the LSTM model of its own ALE example, timed like the FF peer.

Runs in the peer's environment (see ../shared/peer/README.md), not the project's:
    .peer/bin/python bench/peer_chainerrl_a3c_lstm.py PROCESSES STEPS
prints: peer_lstm_steps_per_s=<float>
It reuses the FF peer's environment and settings (../shared/peer/peer_chainerrl_a3c.py)
and swaps in the A3CLSTM of ChainerRL's examples/ale/train_a3c_ale.py.
"""
import collections
import collections.abc
import os
import sys
import tempfile
import time

# chainerrl 0.8.0's recurrent.py uses collections.Iterable, which Python 3.10 removed.
collections.Iterable = collections.abc.Iterable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'peer'))
import peer_chainerrl_a3c as peer  # noqa: E402  (sets OMP_NUM_THREADS and patches gym first)
import chainer  # noqa: E402
import chainer.links as L  # noqa: E402
from chainerrl import experiments, links, policy, v_function  # noqa: E402
from chainerrl.agents import a3c  # noqa: E402
from chainerrl.optimizers import rmsprop_async  # noqa: E402
from chainerrl.recurrent import RecurrentChainMixin  # noqa: E402
import numpy as np  # noqa: E402


class A3CLSTM(chainer.ChainList, a3c.A3CModel, RecurrentChainMixin):
    def __init__(self, n_actions):
        self.head = links.NIPSDQNHead()
        self.pi = policy.FCSoftmaxPolicy(self.head.n_output_channels, n_actions)
        self.v = v_function.FCVFunction(self.head.n_output_channels)
        self.lstm = L.LSTM(self.head.n_output_channels, self.head.n_output_channels)
        super().__init__(self.head, self.lstm, self.pi, self.v)

    def pi_and_v(self, state):
        out = self.lstm(self.head(state))
        return self.pi(out), self.v(out)


def main():
    processes, steps = int(sys.argv[1]), int(float(sys.argv[2]))
    model = A3CLSTM(peer.AleEnv('breakout', 0, True).action_space.n)
    opt = rmsprop_async.RMSpropAsync(lr=7e-4, eps=1e-1, alpha=0.99)
    opt.setup(model)
    opt.add_hook(chainer.optimizer.GradientClipping(40))
    agent = a3c.A3C(model, opt, t_max=5, gamma=0.99, beta=1e-2,
                    phi=lambda x: np.asarray(x, dtype=np.float32) / 255)

    def lr_setter(env, agent, value):
        agent.optimizer.lr = value
    start = time.time()
    outdir = tempfile.mkdtemp(prefix='peer_a3c_lstm_')
    experiments.train_agent_async(
        agent=agent, outdir=outdir, processes=processes,
        make_env=lambda idx, test: peer.AleEnv('breakout', idx if not test else 2**31 - 1 - idx, not test),
        steps=steps, eval_n_steps=None, eval_n_episodes=1, eval_interval=10 ** 12,
        global_step_hooks=[experiments.LinearInterpolationHook(steps, 7e-4, 0, lr_setter)],
        save_best_so_far_agent=False)
    elapsed = time.time() - start
    if any(name.endswith('_except') for name in os.listdir(outdir)):
        raise SystemExit('a worker of the peer failed (see above); no figure')
    print(f'peer_lstm_steps_per_s={steps / elapsed:.1f}')


if __name__ == '__main__':
    main()
