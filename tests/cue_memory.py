"""A tiny image environment that only an agent with memory can solve.

The first frame of an episode shows a cue, the left or the right half of the
screen lit (drawn at random); every later frame is blank, whatever the agent
does, except the question frames (a bar in the middle) at steps 4 and 9. At
each question the agent answers, action 0 for left and 1 for right: the right
answer pays +1, a wrong one 0. The episode ends after the second answer, so the
best return is 2 and guessing earns 1 on average.

At both questions the cue has left the 4-frame stack (it is there at steps 0 to
3 only), so A3C FF can only guess. With t_max = 5 the updates cut every episode
into steps 0-4 and 5-9: the first question shares its segment with the cue, and
backpropagation through those steps teaches the LSTM to store the cue; the
second comes in the next segment, where no gradient reaches the cue
(truncated backpropagation through time), so A3C LSTM answers it only if the
recurrent state the acting carries survives from one update segment into the
next.
"""
import numpy as np

QUESTIONS = (4, 9)


class CueMemory:
    number_of_actions = 2

    def __init__(self, seed=0, train=True):
        self.rng = np.random.RandomState(seed)
        self.state = np.zeros((4, 84, 84), np.uint8)
        self.reset()

    def reset(self):
        self.cue = self.rng.randint(2)  # 0: left, 1: right
        self.steps = 0
        self.reward = 0.0
        self.is_terminal = False
        self.state[:] = 0
        self._push_frame(lit=slice(0, 42) if self.cue == 0 else slice(42, 84))

    def receive_action(self, action):
        answered = self.steps in QUESTIONS
        self.reward = float(answered and action == self.cue)
        self.is_terminal = self.steps == QUESTIONS[-1]
        self.steps += 1
        self._push_frame(lit=slice(21, 63) if self.steps in QUESTIONS else None)
        return self.reward

    def _push_frame(self, lit=None):
        self.state[:-1] = self.state[1:]
        self.state[-1] = 0
        if lit is not None:
            self.state[-1, :, lit] = 255
