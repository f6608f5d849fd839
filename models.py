"""The A3C networks (FF and LSTM) and their model files.

Files are Chainer HDF5 with the original's layout, so the original's published
models load unchanged: FF is 0=torso (0/0 conv1, 0/1 conv2, 0/2 fc),
1=policy (1/0), 2=value (2/0); LSTM is 0=torso, 1=LSTM (1/upward, 1/lateral),
2=policy, 3=value.
"""

import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import chainer.links as L
import h5py
import numpy as np

from atomic_files import hdf5_bytes, write_bytes
from dqn_head import NIPSDQNHead
from errors import UsageError
from paths import check_readable_file
from init_like_torch import init_like_torch
from linear import linear
from lstm_sequence import lstm_sequence
from policy import FCSoftmaxPolicy
from v_function import FCVFunction


def phi(states, out=None):
    """uint8 observations (batch, channels, 84, 84) -> float32 in [0, 1] (into out if given)."""
    return np.multiply(states, np.float32(1 / 255), out=out, dtype=np.float32)


class A3CFF(chainer.ChainList):
    use_lstm = False

    def __init__(self, n_actions, n_input_channels=4):
        self.head = NIPSDQNHead(n_input_channels)
        self.pi = FCSoftmaxPolicy(self.head.n_output_channels, n_actions)
        self.v = FCVFunction(self.head.n_output_channels)
        super().__init__(self.head, self.pi, self.v)

    def forward(self, x, recurrent_state=None, keep=None, replay=None):
        """pi(.|s), V(s) for a batch of states; no recurrent state. keep, replay: see NIPSDQNHead."""
        h = self.head(x, keep, replay)
        return self.pi(h), self.v(h), None


class A3CLSTM(chainer.ChainList):
    use_lstm = True

    def __init__(self, n_actions, n_input_channels=4):
        self.head = NIPSDQNHead(n_input_channels)
        self.lstm = L.LSTM(self.head.n_output_channels, self.head.n_output_channels)
        self.pi = FCSoftmaxPolicy(self.head.n_output_channels, n_actions)
        self.v = FCVFunction(self.head.n_output_channels)
        super().__init__(self.head, self.lstm, self.pi, self.v)

    def forward(self, x, recurrent_state=None, keep=None, replay=None):
        """pi, V for a sequence of consecutive states of one episode (batch axis = time).

        recurrent_state is the LSTM's (c, h) before x[0], None at an episode's
        start; the state after x[-1] is returned with the outputs. The torso, the
        LSTM's input weights and the heads run on the whole sequence at once;
        the recurrence runs as one node (lstm_sequence.py). keep, replay: as for the torso, for
        the torso, the input weights and the recurrence.
        """
        replay = replay or (None,) * 5  # the torso's three layers, the input weights, the recurrence
        # the input's share of the gates, for every step at once
        upward = linear(self.head(x, keep, replay), self.lstm.upward.W, self.lstm.upward.b, keep=keep,
                        replay=replay[3])
        if recurrent_state is None:
            zeros = np.zeros((1, self.lstm.state_size), np.float32)
            recurrent_state = (zeros, zeros)
        c, h = recurrent_state
        hs, c, h = lstm_sequence(upward, self.lstm.lateral.W, c, h, keep=keep, replay=replay[4])
        return self.pi(hs), self.v(hs), (c, h)


def make_model(n_actions, use_lstm, rng, n_input_channels=4):
    """A new model; n_input_channels: 4 for a stack of 4 grayscale frames, 3 for one RGB frame."""
    model = A3CLSTM(n_actions, n_input_channels) if use_lstm else A3CFF(n_actions, n_input_channels)
    init_like_torch(model, rng)
    return model


def save_model(path, model, info=None):
    """Write the model's parameters, as the original did (Chainer HDF5), whole or not at all
    (WriteError if it cannot be written). info: what the file says of itself (model_info.py),
    as attributes of its root; the groups and datasets are the original's layout."""
    def write(buffer):
        with h5py.File(buffer, 'w') as f:
            chainer.serializers.HDF5Serializer(f).save(model)
            for name, value in (info or {}).items():
                f.attrs[name] = value
    write_bytes(path, hdf5_bytes(write))


def read_model_info(path):
    """The attributes a model file carries ({} for the original's files and our older ones)."""
    with h5py.File(path, 'r') as f:
        return {name: value.decode() if isinstance(value, bytes) else
                value.item() if hasattr(value, 'item') else value for name, value in f.attrs.items()}


def inspect_model_file(path):
    """Return (use_lstm, n_actions, n_input_channels) of a model file; UsageError if it is not one."""
    check_readable_file(path, 'model file')
    try:
        with h5py.File(path, 'r') as f:
            use_lstm = 'upward' in f.get('1', {})
            policy_weight = f['2/0/W' if use_lstm else '1/0/W']
            return use_lstm, int(policy_weight.shape[0]), int(f['0/0/W'].shape[1])
    except (OSError, KeyError) as error:
        raise UsageError(f'{path!r} is not an A3C model file ({error}); '
                         'give a .h5 written by a3c_ale.py') from None


def load_model(path, n_actions, use_lstm=None, n_input_channels=4):
    """Load a model file for a game with n_actions and observations of n_input_channels; FF or
    LSTM is read from the file.

    use_lstm, when given, must agree with the file (the original failed here with
    an opaque HDF5 error).
    """
    file_uses_lstm, file_actions, file_channels = inspect_model_file(path)
    kind = 'A3C LSTM' if file_uses_lstm else 'A3C FF'
    if use_lstm is not None and use_lstm != file_uses_lstm:
        fix = 'add --use-lstm' if file_uses_lstm else 'drop --use-lstm'
        raise UsageError(f'{path!r} holds an {kind} model; {fix}')
    if file_actions != n_actions:
        raise UsageError(f'{path!r} holds an {kind} model for {file_actions} actions but this game has '
                         f'{n_actions}; give a model trained on this game')
    if file_channels != n_input_channels:
        raise UsageError(f'{path!r} holds an {kind} model that reads {file_channels} input channels but these '
                         f'settings give {n_input_channels}; give the environment options it was trained with '
                         '(its run\'s args.txt)')
    model = A3CLSTM(n_actions, file_channels) if file_uses_lstm else A3CFF(n_actions, file_channels)
    try:
        chainer.serializers.load_hdf5(path, model)
    except (OSError, KeyError, ValueError, TypeError) as error:
        raise UsageError(f'cannot read {kind} model {path!r} ({error}); give an intact model file') from None
    return model
