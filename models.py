"""The A3C networks (FF and LSTM) and their model files.

Files are Chainer HDF5 with the original's layout, so the original's published
models load unchanged: FF is 0=torso (0/0 conv1, 0/1 conv2, 0/2 fc),
1=policy (1/0), 2=value (2/0); LSTM is 0=torso, 1=LSTM (1/upward, 1/lateral),
2=policy, 3=value. A Q-learning model (QNetwork) is 0=torso, 1=Q(s, .) (1/0): no value, and a
head of one output per action. A model of vectors has one fully connected layer as its torso (0/0).
An A3C FF model for continuous actions has the value's own torso as 3: the paper's policy and value
share no parameters there. A model with --normalize-obs ends with its observation statistics
(count, mean, var: obs_normalizer.py).
"""

import dataclasses

import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import chainer.links as L
import h5py
import numpy as np

from atomic_files import hdf5_bytes, write_bytes
from dqn_head import NIPSDQNHead
from errors import UsageError
from fc_head import FCHead
from paths import check_readable_file
from init_like_torch import init_like_torch
from linear import linear
from lstm_sequence import lstm_sequence
from model_spec import ModelSpec
from obs_normalizer import ObservationNormalizer
from gaussian_policy import FCGaussianPolicy
from policy import FCSoftmaxPolicy
from q_function import EpsilonGreedy, FCQFunction
from v_function import FCVFunction


def phi(states, out=None):
    """uint8 images (batch, channels, 84, 84) -> float32 in [0, 1]; vectors stay as they are; as
    float32 (into out if given)."""
    if states.dtype != np.uint8:
        if out is None:
            return states.astype(np.float32, copy=False)
        out[...] = states
        return out
    return np.multiply(states, np.float32(1 / 255), out=out, dtype=np.float32)


def make_torso(spec):
    return FCHead(spec.n_input_channels) if spec.vector_input else NIPSDQNHead(spec.n_input_channels)


def make_policy(spec, n_input_channels):
    return (FCGaussianPolicy if spec.continuous else FCSoftmaxPolicy)(n_input_channels, spec.n_actions)


def add_normalizer(model, spec):
    """The observation statistics as the model's last link, if spec asks for them."""
    model.normalizer = None
    if spec.normalize_observations:
        model.normalizer = ObservationNormalizer(spec.n_input_channels)
        model.append(model.normalizer)


def normalized(model, x):
    return x if model.normalizer is None else model.normalizer(x)


class A3CFF(chainer.ChainList):
    use_lstm = False

    def __init__(self, spec):
        self.head = make_torso(spec)
        self.pi = make_policy(spec, self.head.n_output_channels)
        self.v = FCVFunction(self.head.n_output_channels)
        super().__init__(self.head, self.pi, self.v)
        # For continuous control the paper's policy and value networks "do not share any parameters"
        # (supplementary section 9): the value gets a torso of its own.
        self.v_head = None
        if spec.continuous:
            self.v_head = make_torso(spec)
            self.append(self.v_head)
        add_normalizer(self, spec)

    def forward(self, x, recurrent_state=None, keep=None, replay=None):
        """pi(.|s), V(s) for a batch of states; no recurrent state. keep, replay: see NIPSDQNHead
        (for the policy's torso; the value's own torso, a small layer, is computed again)."""
        x = normalized(self, x)
        h = self.head(x, keep, replay)
        return self.pi(h), self.v(h if self.v_head is None else self.v_head(x)), None


class A3CLSTM(chainer.ChainList):
    use_lstm = True

    def __init__(self, spec):
        self.head = make_torso(spec)
        self.lstm = L.LSTM(self.head.n_output_channels, spec.lstm_size)
        self.pi = make_policy(spec, spec.lstm_size)
        self.v = FCVFunction(spec.lstm_size)
        super().__init__(self.head, self.lstm, self.pi, self.v)
        add_normalizer(self, spec)

    def forward(self, x, recurrent_state=None, keep=None, replay=None):
        """pi, V for a sequence of consecutive states of one episode (batch axis = time).

        recurrent_state is the LSTM's (c, h) before x[0], None at an episode's
        start; the state after x[-1] is returned with the outputs. The torso, the
        LSTM's input weights and the heads run on the whole sequence at once;
        the recurrence runs as one node (lstm_sequence.py). keep, replay: as for the torso, for
        the torso, the input weights and the recurrence.
        """
        x = normalized(self, x)
        n = len(self.head)
        replay = replay or (None,) * (n + 2)  # the torso's layers, the input weights, the recurrence
        # the input's share of the gates, for every step at once
        upward = linear(self.head(x, keep, replay[:n]), self.lstm.upward.W, self.lstm.upward.b, keep=keep,
                        replay=replay[n])
        if recurrent_state is None:
            zeros = np.zeros((1, self.lstm.state_size), np.float32)
            recurrent_state = (zeros, zeros)
        c, h = recurrent_state
        hs, c, h = lstm_sequence(upward, self.lstm.lateral.W, c, h, keep=keep, replay=replay[n + 1])
        return self.pi(hs), self.v(hs), (c, h)


class QNetwork(chainer.ChainList):
    """Q(s, .) for the asynchronous Q-learning methods: A3C FF's torso and one linear output per
    action (the paper's value-based methods used the same network as A3C FF)."""
    use_lstm = False

    def __init__(self, spec):
        self.head = make_torso(spec)
        self.q = FCQFunction(self.head.n_output_channels, spec.n_actions)
        super().__init__(self.head, self.q)
        add_normalizer(self, spec)
        self.epsilon = 0.0  # the epsilon-greedy choice's: the evaluation's or the demo's

    def forward(self, x, recurrent_state=None, keep=None, replay=None):
        """(the epsilon-greedy choice, Q(s, .), None) for a batch of states, in the shape of the A3C
        models' (pi, V, recurrent state); keep, replay: as A3CFF's."""
        q = self.q(self.head(normalized(self, x), keep, replay))
        return EpsilonGreedy(q, self.epsilon), q, None


def network_class(spec, use_lstm):
    return QNetwork if spec.q_values else A3CLSTM if use_lstm else A3CFF


def make_model(spec, use_lstm, rng, lstm_forget_bias=None):
    """A new model of spec's shape (a ModelSpec), initialised as Torch does, as the original's was.
    lstm_forget_bias, if given, then sets the LSTM's forget-gate biases: Torch's start them near 0
    (sigmoid 0.5: the cell forgets half of itself a step); Chainer's own L.LSTM starts them at 1."""
    model = network_class(spec, use_lstm)(spec)
    init_like_torch(model, rng)
    if lstm_forget_bias is not None:
        model.lstm.upward.b.array.reshape(-1, 4)[:, 2] = lstm_forget_bias  # gates a, i, f, o, by unit
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
    """Return (use_lstm, ModelSpec) of a model file; UsageError if it is not one."""
    check_readable_file(path, 'model file')
    try:
        with h5py.File(path, 'r') as f:
            use_lstm = 'upward' in f.get('1', {})
            q_values = not use_lstm and '2/0/W' not in f  # A3C FF's value, A3C LSTM's policy
            policy = f['2' if use_lstm else '1']
            torso_weight = f['0/0/W']
            normalizes = any(isinstance(group, h5py.Group) and {'count', 'mean', 'var'} <= set(group)
                             for group in f.values())
            return use_lstm, ModelSpec(int(policy['0/W'].shape[0]), int(torso_weight.shape[1]),
                                       vector_input=torso_weight.ndim == 2, continuous='1' in policy,
                                       normalize_observations=normalizes, q_values=q_values)
    except (OSError, KeyError) as error:
        raise UsageError(f'{path!r} is not an A3C model file ({error}); '
                         'give a .h5 written by a3c_ale.py') from None


def network_name(spec, use_lstm):
    """'an A3C FF', 'an A3C LSTM' or 'a Q-learning', for messages (... model)."""
    return 'a Q-learning' if spec.q_values else 'an A3C LSTM' if use_lstm else 'an A3C FF'


def load_model(path, spec, use_lstm=None, q_values=None):
    """Load a model file for a game whose model has spec's shape (a ModelSpec); FF or LSTM, and
    A3C or Q-learning, are read from the file.

    use_lstm, when given, must agree with the file (the original failed here with
    an opaque HDF5 error); so must q_values (the network of a Q-learning method), when given.
    """
    file_uses_lstm, file_spec = inspect_model_file(path)
    kind = network_name(file_spec, file_uses_lstm).split(' ', 1)[1]
    if q_values is not None and q_values != file_spec.q_values:
        wanted = 'a Q-learning one (n-step-q, one-step-q, one-step-sarsa)' if q_values else 'an A3C one'
        raise UsageError(f'{path!r} holds {network_name(file_spec, file_uses_lstm)} model, not {wanted}; give '
                         f'a model of the algorithm asked for, or ask for the one that trained it')
    if use_lstm is not None and use_lstm != file_uses_lstm:
        fix = 'add --use-lstm' if file_uses_lstm else 'drop --use-lstm'
        raise UsageError(f'{path!r} holds {network_name(file_spec, file_uses_lstm)} model; {fix}')
    if (file_spec.vector_input, file_spec.continuous) != (spec.vector_input, spec.continuous):
        raise UsageError(f'{path!r} holds {network_name(file_spec, file_uses_lstm)} model for {file_spec.describe()} '
                         f'but this game has {spec.describe()}; give a model trained on this game')
    if file_spec.n_actions != spec.n_actions:
        raise UsageError(f'{path!r} holds {network_name(file_spec, file_uses_lstm)} model for {file_spec.n_actions} '
                         f'actions but this game has {spec.n_actions}; give a model trained on this game')
    if file_spec.n_input_channels != spec.n_input_channels:
        raise UsageError(f'{path!r} holds {network_name(file_spec, file_uses_lstm)} model that reads {file_spec.n_input_channels} input channels '
                         f'but these settings give {spec.n_input_channels}; give the environment options it was '
                         'trained with (its run\'s args.txt)')
    # Whether observations go through statistics is the model's own (training's --normalize-obs).
    spec = dataclasses.replace(spec, normalize_observations=file_spec.normalize_observations,
                               q_values=file_spec.q_values)
    model = network_class(spec, file_uses_lstm)(spec)
    try:
        chainer.serializers.load_hdf5(path, model)
    except (OSError, KeyError, ValueError, TypeError) as error:
        raise UsageError(f'cannot read {kind} model {path!r} ({error}); give an intact model file') from None
    return model
