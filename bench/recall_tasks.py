"""Two tiny Gymnasium memory tasks for A3C LSTM, trained through Gymnasium's module:EnvId:

    PYTHONPATH=bench .venv/bin/python a3c_gym.py 1 recall_tasks:RecallXor-v0 --use-lstm [--lstm-forget-bias 1] \
        --lr 7e-3 --t-max 20 --reward-scale 1 --steps 2e5 --eval-frequency 2e4 --eval-n-runs 50

Recall-v0: the first observation shows one of two cue bits, the next DELAY (5) are blank, then a
question; the answer (action 0 or 1) must name the cue: 1 for right, 0 for wrong.
RecallXor-v0: the question also shows one of two probe bits, and the answer must say whether cue and
probe differ (cue xor probe). That is MiniGrid's memory task in small: what was seen is worth
nothing alone, only together with what is seen at the end, so no gradient asks the LSTM to keep the
cue until its output already combines the two.
"""
import gymnasium
import numpy as np

DELAY = 5


class Recall(gymnasium.Env):
    observation_space = gymnasium.spaces.Box(0.0, 1.0, (4,), np.float32)  # cue 0, cue 1, probe 0, probe 1
    action_space = gymnasium.spaces.Discrete(2)

    def __init__(self, xor=False, render_mode=None):
        self.xor = xor

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.cue, self.probe = (int(bit) for bit in self.np_random.integers(2, size=2))
        self.t = 0
        return self.observation(), {}

    def observation(self):
        seen = np.zeros(4, np.float32)
        if self.t == 0:
            seen[self.cue] = 1
        if self.t == DELAY:
            seen[2 + (self.probe if self.xor else 0)] = 1
        return seen

    def step(self, action):
        if self.t == DELAY:
            right = self.cue ^ self.probe if self.xor else self.cue
            return self.observation(), float(action == right), True, False, {}
        self.t += 1
        return self.observation(), 0.0, False, False, {}


gymnasium.register('Recall-v0', entry_point=Recall)
gymnasium.register('RecallXor-v0', entry_point=Recall, kwargs={'xor': True})
