"""What a model's shape follows from: the environment's observations and actions."""
from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    """Atari's and ViZDoom's models read images and choose one of n_actions (ModelSpec(6): Pong);
    a Gymnasium environment may give vectors (vector_input) or take continuous actions (continuous)."""
    n_actions: int                # discrete actions (a softmax policy), or a continuous action's dimensions
    n_input_channels: int = 4     # an image's channels (the convolutional torso), or a vector's length
    vector_input: bool = False    # vectors through a fully connected torso instead of images
    continuous: bool = False      # a Gaussian policy over a Box of n_actions dimensions
    normalize_observations: bool = False  # vectors through running statistics first (obs_normalizer.py)
    q_values: bool = False        # Q(s, a) per action (the Q-learning methods) instead of a policy and a value

    @property
    def lstm_size(self):
        """The LSTM's cells: the original's 256 after the convolutional torso, the paper's 128 for
        physical state (its supplementary section on continuous control)."""
        return 128 if self.vector_input else 256

    def describe(self):
        inputs = (f'vectors of {self.n_input_channels}' if self.vector_input
                  else f'{self.n_input_channels}-channel images')
        actions = f'{self.n_actions}-dimensional continuous actions' if self.continuous else f'{self.n_actions} actions'
        normalized = ', normalised' if self.normalize_observations else ''
        return f'{inputs}{normalized}, {actions}'
