"""A Gymnasium environment seen the way the A3C agent sees an Atari game (ale.py's interface).

Observations: a vector (a 1-D Box: physical state, e.g. CartPole's or MuJoCo's)
goes to the model as it is, through a fully connected torso; an image (a uint8
Box of height x width x 1 or 3 channels) as Atari's screens do, in grayscale,
resized to 84x84 and stacked with the three before it (frames.py), through the
paper's convolutional torso. MiniGrid's observations (a dictionary) are taken
through its own wrappers, RGBImgPartialObsWrapper and ImgObsWrapper: the
agent's partial view as a 56x56 RGB image, or with --minigrid-obs symbols
(ImgObsWrapper alone) its 7x7 grid of (object, colour, state) codes, flattened
into a vector, or with --minigrid-obs one-hot (OneHotPartialObsWrapper first)
those codes as one bit each, so that a key and a ball differ by two bits rather
than by 5 against 6 in one number. Actions: one of
n (Discrete: a softmax policy) or a vector of reals (a 1-D Box: a Gaussian
policy), clipped to the Box's bounds before the environment sees them. Other
spaces are refused in one line. --env-kwargs KEY:VALUE ... goes to
gymnasium.make (RL Zoo's form), e.g. MiniGrid's agent_view_size:3.

An episode ends when the environment says terminated (the task's end: nothing
follows, its value is 0) or truncated (a time limit: `is_truncated`, and the
trainer bootstraps from the value of the last state). Every episode ends: the
time limit is --max-episode-steps, by default the one the environment registers
or, where it registers none, DEFAULT_MAX_EPISODE_STEPS (Atari's cap), so that an
environment that never ends cannot hang an evaluation or the demo. An
environment whose constructor takes no render_mode trains and replays; it only
cannot render (the demo's --gif says so). In training the rewards
are multiplied by --reward-scale; in evaluation an episode's score is the
environment's own return.

gymnasium is an optional dependency (requirements-gym.txt): without it this
module still imports (the scripts' --help works), and naming an environment
raises a UsageError that says how to install it.
"""
import argparse
import ast
import importlib
import sys

import cv2
import numpy as np

from environment_kind import EnvironmentKind, EnvironmentOption, check_display
from errors import UsageError, positive_float, positive_int
from frames import N_STACKED_FRAMES, SCREEN_SIZE, push_frame, write_screen
from model_spec import ModelSpec

try:
    import gymnasium
except ImportError:
    gymnasium = None

# ChainerRL's train_a3c_gym.py scales rewards so (--reward-scale-factor 1e-2): CartPole's returns of
# up to 500 and MuJoCo's of thousands would otherwise make the value loss dwarf the policy's.
DEFAULT_REWARD_SCALE = 0.01
# The time limit of an environment that registers none: Atari's (108,000 frames, 27,000 steps).
DEFAULT_MAX_EPISODE_STEPS = 27_000
# Environments that register themselves with Gymnasium when their package is imported.
PACKAGES_BY_PREFIX = {'MiniGrid-': 'minigrid', 'BabyAI-': 'minigrid'}
TAKES = 'vectors (a 1-D Box) and images (a uint8 Box of height x width x 1 or 3)'


def require_gymnasium():
    if gymnasium is None:
        raise UsageError('Gymnasium environments need the gymnasium package: '
                         'run `make setup-gym` (or `.venv/bin/pip install -r requirements-gym.txt`)')


def import_package_of(env_id):
    """Import the package that registers env_id, if it is one we know (MiniGrid's)."""
    for prefix, package in PACKAGES_BY_PREFIX.items():
        if env_id.startswith(prefix):
            try:
                importlib.import_module(package)
            except ImportError:
                raise UsageError(f'{env_id} needs the {package} package: run `make setup-gym`') from None


def import_module_of(env_id):
    """Gymnasium's way to a user's own environment, 'module:EnvId' (gymnasium.make imports the module,
    which registers EnvId): import it here too, so that a wrong name is one line before any worker
    starts. Returns the id that the module registers."""
    if ':' not in env_id:
        return env_id
    module, registered_id = env_id.split(':', 1)
    try:
        importlib.import_module(module)
    except ImportError as error:
        raise UsageError(f'cannot import {module!r} for {env_id} ({error}); '
                         'add the folder that holds it to PYTHONPATH') from None
    return registered_id


def resolve_env_id(env_id):
    """Return env_id if Gymnasium knows it (UsageError, with Gymnasium's suggestion, if not)."""
    require_gymnasium()
    if env_id.startswith('ALE/'):
        raise UsageError(f'{env_id} is an Atari game: train it with a3c_ale.py (the paper\'s preprocessing), '
                         'e.g. `a3c_ale.py 8 breakout`')
    import_package_of(env_id)
    registered_id = import_module_of(env_id)
    try:
        gymnasium.spec(registered_id)
    except gymnasium.error.Error as error:
        raise UsageError(f'unknown Gymnasium environment {env_id!r}: {error}') from None
    return env_id


def short_name(env_id):
    """A name for run directories: the id, without a namespace's slash or a module's colon."""
    return env_id.replace('/', '_').replace(':', '_')


def space_error(env_id, what, space, takes):
    return UsageError(f'{env_id} has {what} {space}, which a3c_gym.py does not take; it takes {takes}')


def env_kwarg(text):
    """One KEY:VALUE of --env-kwargs, kept as text (args.txt records it as given)."""
    key, colon, _ = text.partition(':')
    if not (colon and key.isidentifier()):
        raise argparse.ArgumentTypeError(f'{text!r} is not KEY:VALUE (e.g. agent_view_size:3)')
    return text


def keyword_arguments(env_kwargs):
    """--env-kwargs as gymnasium.make's keywords: each VALUE a Python literal (3, 0.5, True, None,
    [1, 2]) where it reads as one, else the text itself."""
    keywords = {}
    for item in env_kwargs or ():
        key, _, value = item.partition(':')
        try:
            keywords[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            keywords[key] = value
    return keywords


def registered_time_limit(env_id):
    """The max_episode_steps env_id registers (None if none)."""
    return gymnasium.spec(import_module_of(env_id)).max_episode_steps


def declared_render_modes(env_id):
    """The render modes env_id's class declares in its metadata (gymnasium.Env's own: none)."""
    entry_point = gymnasium.spec(import_module_of(env_id)).entry_point
    creator = entry_point if callable(entry_point) else gymnasium.envs.registration.load_env_creator(entry_point)
    return getattr(creator, 'metadata', {}).get('render_modes') or []


def warnings_of_mujoco_to_stderr(env_id):
    """MuJoCo writes its warnings into MUJOCO_LOG.TXT in the working directory, a file the user did not
    ask for: for a MuJoCo environment, say each distinct warning once on standard error instead."""
    entry_point = gymnasium.spec(import_module_of(env_id)).entry_point
    if not (isinstance(entry_point, str) and 'mujoco' in entry_point):
        return
    import mujoco
    mujoco.set_mju_user_warning(say_mujoco_warning_once)


MUJOCO_WARNINGS_SAID = set()  # this process's


def say_mujoco_warning_once(message):
    if message not in MUJOCO_WARNINGS_SAID:
        MUJOCO_WARNINGS_SAID.add(message)
        print(f'MuJoCo warning: {message}', file=sys.stderr, flush=True)


def make_env(env_id, render_mode, env_kwargs, max_episode_steps):
    """gymnasium.make's environment, and the render mode it took: render_mode, or None for an
    environment whose constructor takes none (the tutorials' plain gymnasium.Env). UsageError, on one
    line, when the id, --env-kwargs or the environment's own constructor fails, saying which."""
    keywords = keyword_arguments(env_kwargs)
    warnings_of_mujoco_to_stderr(env_id)
    if render_mode == 'rgb_array' and 'rgb_array' not in declared_render_modes(env_id):
        render_mode = None  # it says it cannot: not asked, so Gymnasium need not warn

    def make(render_mode, keywords):
        extra = {} if render_mode is None else {'render_mode': render_mode}
        return gymnasium.make(env_id, max_episode_steps=max_episode_steps, **extra, **keywords)
    try:
        return make(render_mode, keywords), render_mode
    except gymnasium.error.Error as error:
        raise UsageError(f'Gymnasium cannot make {env_id} ({error})') from None
    except Exception as error:  # the constructor's own, or a keyword it does not take: find out which
        failure = error
    attempts = ([(None, keywords)] if render_mode is not None else []) + ([(render_mode, {})] if keywords else [])
    for attempt_render_mode, attempt_keywords in attempts:
        try:
            env = make(attempt_render_mode, attempt_keywords)
        except Exception:
            continue
        if attempt_keywords is keywords:  # only render_mode was refused: it trains and replays, unrendered
            return env, None
        env.close()
        raise UsageError(f'{env_id} does not take --env-kwargs {" ".join(env_kwargs)} '
                         f'({type(failure).__name__}: {failure}); fix or drop them')
    raise UsageError(f'{env_id} failed to start: its constructor raised {type(failure).__name__}: {failure}')


def is_vector_space(space):
    return isinstance(space, gymnasium.spaces.Box) and len(space.shape) == 1


def is_image_space(space):
    return (isinstance(space, gymnasium.spaces.Box) and space.dtype == np.uint8 and len(space.shape) == 3
            and space.shape[2] in (1, 3))


def is_minigrid(env_id):
    return PACKAGES_BY_PREFIX.get(env_id.split('-')[0] + '-') == 'minigrid'


def with_package_wrappers(env_id, env, minigrid_obs):
    """MiniGrid's dictionary observations through its own wrappers: the agent's view as an RGB
    image (pixels), or its grid of (object, colour, state) codes as a vector (symbols), or those
    codes one-hot (one-hot)."""
    if is_minigrid(env_id):
        from minigrid.wrappers import ImgObsWrapper, OneHotPartialObsWrapper, RGBImgPartialObsWrapper
        if minigrid_obs == 'pixels':
            return ImgObsWrapper(RGBImgPartialObsWrapper(env))
        codes = OneHotPartialObsWrapper(env) if minigrid_obs == 'one-hot' else env
        return gymnasium.wrappers.FlattenObservation(ImgObsWrapper(codes))
    if minigrid_obs != 'pixels':
        raise UsageError(f'--minigrid-obs is for MiniGrid environments, not {env_id}; drop it')
    return env


def follow_with_the_tracking_camera(env):
    """MuJoCo's runners leave the default camera's view within seconds: where the model has a camera
    named 'track' (Gymnasium's HalfCheetah, Hopper, Walker2d, Ant, Humanoid, Swimmer), render through it."""
    renderer = getattr(env.unwrapped, 'mujoco_renderer', None)
    if renderer is not None:
        import mujoco
        camera = mujoco.mj_name2id(env.unwrapped.model, mujoco.mjtObj.mjOBJ_CAMERA, 'track')
        if camera >= 0:
            renderer.camera_id = camera


class GymEnv:
    """A Gymnasium environment with ale.ALE's interface: reset(), receive_action(), state, reward,
    is_terminal, is_truncated, model_spec, number_of_actions, random_action(), rgb_screen(),
    record_screens(), frames_per_step, steps_per_second."""
    frames_per_step = 1

    def __init__(self, env_id, seed, train=True, use_sdl=False, reward_scale=DEFAULT_REWARD_SCALE,
                 minigrid_obs='pixels', normalize_obs='off', env_kwargs=None, max_episode_steps=None):
        require_gymnasium()
        import_package_of(env_id)
        if use_sdl:
            check_display('--render')
        self.train = train
        self.reward_scale = reward_scale
        render_mode = 'human' if use_sdl else None if train else 'rgb_array'  # rgb_array: the demo's GIFs
        self.max_episode_steps = (max_episode_steps or registered_time_limit(env_id) or DEFAULT_MAX_EPISODE_STEPS)
        env, render_mode = make_env(env_id, render_mode, env_kwargs, self.max_episode_steps)
        self.can_render = render_mode is not None or train
        self.env = with_package_wrappers(env_id, env, minigrid_obs)
        if render_mode == 'rgb_array':
            follow_with_the_tracking_camera(self.env)
        observations, actions = self.env.observation_space, self.env.action_space
        self.images = is_image_space(observations)
        if not (self.images or is_vector_space(observations)):
            raise space_error(env_id, 'observations', observations, TAKES)
        if self.images:
            self.state = np.zeros((N_STACKED_FRAMES, SCREEN_SIZE, SCREEN_SIZE), np.uint8)
        self.normalize_obs = normalize_obs == 'on'
        if self.normalize_obs and self.images:
            raise UsageError(f'--normalize-obs is for vector observations, but {env_id} gives images; drop it')
        self.continuous = is_vector_space(actions)
        if not (self.continuous or isinstance(actions, gymnasium.spaces.Discrete)):
            raise space_error(env_id, 'actions', actions, 'Discrete or a 1-D Box')
        if self.continuous:
            self.low, self.high = actions.low.astype(np.float32), actions.high.astype(np.float32)
        self.steps_per_second = self.env.metadata.get('render_fps') or 30
        self.record_screen_dir = None
        self._n_recorded = 0
        self._seed = int(seed) % 2 ** 32  # the first reset's; later resets go on from its generator
        self.reset()

    @property
    def model_spec(self):
        space = self.env.action_space
        n_actions = space.shape[0] if self.continuous else int(space.n)
        return ModelSpec(n_actions, self.state.shape[0], vector_input=not self.images, continuous=self.continuous,
                         normalize_observations=self.normalize_obs)

    @property
    def number_of_actions(self):
        return self.model_spec.n_actions

    def random_action(self, rng):
        """A uniformly random action (the demo's --random): a Box's drawn within its bounds."""
        if self.continuous:
            return rng.uniform(np.maximum(self.low, -1e6), np.minimum(self.high, 1e6)).astype(np.float32)
        return rng.randint(self.number_of_actions)

    def reset(self):
        observation, _ = self.env.reset(seed=self._seed)
        self._seed = None
        if self.images:
            self.state[:] = 0
        self._observe(observation)
        self.reward = 0.0
        self.is_terminal = False
        self.is_truncated = False

    def receive_action(self, action):
        """Take action (an index, or a vector clipped to the Box's bounds); return the reward."""
        if self.continuous:
            action = np.clip(action, self.low, self.high)
        else:
            action = int(action) + int(self.env.action_space.start)
        observation, reward, terminated, truncated, _ = self.env.step(action)
        self._observe(observation)
        self.is_terminal = terminated or truncated
        self.is_truncated = truncated and not terminated
        self.reward = float(reward) * self.reward_scale if self.train else float(reward)
        return self.reward

    def rgb_screen(self):
        """The environment's rendering, (height, width, 3) uint8 (the demo's environments render so,
        unless the environment's constructor takes no render_mode: can_render False)."""
        return self.env.render()

    def record_screens(self, directory):
        """From the next reset() on, write every rendered frame into directory (an existing one) as
        000000.png, 000001.png, ..."""
        self.record_screen_dir = directory
        self._n_recorded = 0

    def close(self):
        self.env.close()

    def _observe(self, observation):
        if self.images:
            push_frame(self.state, observation[:, :, 0] if observation.shape[2] == 1 else
                       cv2.cvtColor(observation, cv2.COLOR_RGB2GRAY))
        else:
            self.state = np.asarray(observation, np.float32)
        if self.record_screen_dir:
            write_screen(self.record_screen_dir, self._n_recorded, self.rgb_screen())
            self._n_recorded += 1


def game_info(env_id):
    """What a model file says of the environment it was trained on."""
    return {'gym_env': env_id, 'gymnasium_version': gymnasium.__version__}


GYM = EnvironmentKind(
    name='Gymnasium', argument='env_id',
    argument_help='Gymnasium environment id (CartPole-v1, InvertedPendulum-v5, MiniGrid-MemoryS7-v0, ...)',
    resolve=resolve_env_id, short_name=short_name,
    open=GymEnv, game_info=game_info,
    display_flag='--render',
    default_eval_frequency=10 ** 4,
    train_example='2 CartPole-v1 --algorithm n-step-q --outdir runs/cartpole',
    demo_example='CartPole-v1 trained_model/cartpole_q/n_step_q.h5 --n-runs 10',
    options=(
        EnvironmentOption('--reward-scale', positive_float, DEFAULT_REWARD_SCALE, in_demo=False,
                          help=f'training rewards are multiplied by this (default {DEFAULT_REWARD_SCALE}, '
                               'ChainerRL\'s); evaluation scores are the environment\'s own'),
        EnvironmentOption('--max-episode-steps', positive_int, None, metavar='N',
                          help='cut every episode (training, evaluation, the demo) after N steps, as a time limit '
                               '(truncated: training bootstraps from its last state) (default: the limit the '
                               f'environment registers, or {DEFAULT_MAX_EPISODE_STEPS:,}, Atari\'s cap, where it '
                               'registers none: an environment that never ends cannot hang a run)'),
        EnvironmentOption('--normalize-obs', str, 'off', choices=('on', 'off'), in_demo=False, resumed_default='off',
                          help='on: the model reads vector observations through their running mean and standard '
                               'deviation, kept with the model (obs_normalizer.py; Stable-Baselines3\'s VecNormalize '
                               'does the same); not the paper\'s, so off by default'),
        EnvironmentOption('--minigrid-obs', str, 'pixels', choices=('pixels', 'symbols', 'one-hot'),
                          resumed_default='pixels',
                          help='what a MiniGrid agent sees of its 7x7 view: pixels (an RGB image, through the '
                               'convolutional torso; the default), symbols (its object, colour and state codes, '
                               '147 numbers through the fully connected torso; about 10 times as fast) or one-hot '
                               '(those codes one bit each, MiniGrid\'s OneHotPartialObsWrapper: 980 numbers for a '
                               '7x7 view)'),
        EnvironmentOption('--env-kwargs', env_kwarg, None, nargs='+', metavar='KEY:VALUE',
                          help='keyword arguments for gymnasium.make, as RL Zoo takes them (e.g. '
                               'agent_view_size:3 max_episode_steps:500); each VALUE a Python literal where '
                               'it reads as one, else text'),
    ))
