"""The paper's asynchronous Q-learning methods (q_learning.py): targets, exploration, the target
network, checkpoints, learning through the real processes, and what the scripts refuse."""
import argparse
import json
import os
import signal

import chainer
import chainer.functions as F
import h5py
import numpy as np
import pytest

from async_util import bind_parameters, n_parameters
from checkpoint import checkpoint_paths, latest_checkpoint, read_checkpoint
from conftest import run_script
from corridor import Corridor
from exploration import draw_final_epsilons, epsilon
from model_spec import ModelSpec
from models import inspect_model_file, load_model, make_model, phi
from q_learning import AsyncQLearner
from rmsprop_async import RMSpropAsync
from test_reliability import killed_at_exit, start_training, wait_for
from train_async import model_init_seed, train
from training_stats import Q_STATS

SPEC = ModelSpec(3, 4, vector_input=True, q_values=True)  # vectors of 4, 3 actions
GAMMA = 0.9


class Learner:
    """An agent on shared parameters, beside a reference copy of them and a target network that
    differs from both (so that a target taken from the wrong network shows)."""

    def __init__(self, method, t_max=3):
        rng = np.random.RandomState(5)
        model = make_model(SPEC, False, rng)
        self.shared_params = np.empty(n_parameters(model), np.float32)
        bind_parameters(model, self.shared_params)
        self.reference = make_model(SPEC, False, rng)
        self.reference_params = np.empty_like(self.shared_params)
        bind_parameters(self.reference, self.reference_params)
        self.reference_params[:] = self.shared_params
        self.target = make_model(SPEC, False, rng)  # other random weights: theta- != theta
        self.sums = np.zeros(len(Q_STATS.sums))
        self.agent = AsyncQLearner(make_model(SPEC, False, rng), self.target, self.shared_params,
                                   np.zeros_like(self.shared_params), RMSpropAsync(), np.random.RandomState(0),
                                   method, t_max=t_max, gamma=GAMMA, epsilon=0.5, sums=self.sums)
        self.states = rng.normal(size=(5, 4)).astype(np.float32)

    def q(self, states, network=None):
        with chainer.no_backprop_mode():
            _, q, _ = (network or self.reference)(phi(np.asarray(states)))
        return q.array.astype(np.float64)

    def figure(self, name):
        return self.sums[Q_STATS.sums.index(name)]

    def check_update(self, actions, targets):
        """The one update so far trained Q(s_i, a_i) of the reference's parameters towards targets."""
        n = len(actions)
        taken = self.q(self.states[:n])[np.arange(n), actions]
        td = np.asarray(targets) - taken
        assert self.figure('updates') == 1 and self.figure('states') == n
        assert self.figure('loss') == pytest.approx((td ** 2).sum(), rel=1e-5)
        assert self.figure('td_error') == pytest.approx(td.sum(), rel=1e-5, abs=1e-6)
        assert self.figure('q') == pytest.approx(taken.sum(), rel=1e-5, abs=1e-6)
        # The gradient, by Chainer's own functions on the reference: the same norm.
        q = self.reference(phi(self.states[:n]))[1]
        loss = F.sum((np.asarray(targets, np.float32) - F.select_item(q, np.asarray(actions, np.int32))) ** 2)
        self.reference.cleargrads()
        loss.backward()
        norm = np.sqrt(sum(float((p.grad ** 2).sum()) for p in self.reference.params()))
        assert self.figure('grad_norm') == pytest.approx(norm, rel=1e-4)


def rewards_and_actions(learner, n, rewards):
    """Act on the first n states, giving rewards[i] for the action in state i; return the actions."""
    actions = [learner.agent.act_and_train(learner.states[0], 0.0)]
    for i in range(1, n):
        actions.append(learner.agent.act_and_train(learner.states[i], rewards[i - 1]))
    return actions


def test_n_step_q_targets_bootstrap_from_the_target_network():
    learner = Learner('n-step-q')
    rewards = [1.0, 0.0, -1.0]
    actions = rewards_and_actions(learner, 3, rewards)
    learner.agent.act_and_train(learner.states[3], rewards[2])  # the update, with states[3] after the segment
    bootstrap = learner.q(learner.states[3:4], learner.target).max()
    r2 = -1 + GAMMA * bootstrap
    targets = [1 + GAMMA * (0 + GAMMA * r2), 0 + GAMMA * r2, r2]
    learner.check_update(actions, targets)
    online = learner.q(learner.states[3:4]).max()
    assert abs(online - bootstrap) > 0.01  # the test tells the online network's bootstrap from the target's


def test_n_step_q_targets_at_a_terminal_state_and_at_a_time_limit():
    terminal = Learner('n-step-q')
    actions = rewards_and_actions(terminal, 2, [0.5])
    terminal.agent.stop_episode_and_train(2.0)  # terminal: nothing after it
    terminal.check_update(actions, [0.5 + GAMMA * 2.0, 2.0])

    truncated = Learner('n-step-q')
    actions = rewards_and_actions(truncated, 2, [0.5])
    truncated.agent.stop_episode_and_train(2.0, bootstrap_state=truncated.states[2])  # cut by a time limit
    bootstrap = truncated.q(truncated.states[2:3], truncated.target).max()
    truncated.check_update(actions, [0.5 + GAMMA * (2.0 + GAMMA * bootstrap), 2.0 + GAMMA * bootstrap])


def test_one_step_q_targets_are_each_steps_reward_and_the_target_networks_max():
    learner = Learner('one-step-q')
    rewards = [1.0, 0.0, -1.0]
    actions = rewards_and_actions(learner, 3, rewards)
    learner.agent.act_and_train(learner.states[3], rewards[2])
    next_max = learner.q(learner.states[1:4], learner.target).max(axis=1)
    learner.check_update(actions, np.asarray(rewards) + GAMMA * next_max)

    terminal = Learner('one-step-q')
    actions = rewards_and_actions(terminal, 2, [1.0])
    terminal.agent.stop_episode_and_train(-1.0)
    terminal.check_update(actions, [1.0 + GAMMA * terminal.q(terminal.states[1:2], terminal.target).max(), -1.0])


def test_sarsa_targets_use_the_action_the_worker_takes_next():
    learner = Learner('one-step-sarsa')
    learner.agent.epsilon = 0.5  # the greedy and the taken action differ often
    rewards = [1.0, 0.0, -1.0]
    actions = rewards_and_actions(learner, 3, rewards)
    next_action = learner.agent.act_and_train(learner.states[3], rewards[2])  # a' for the segment's last step
    taken_next = actions[1:] + [next_action]
    next_q = learner.q(learner.states[1:4], learner.target)
    learner.check_update(actions, np.asarray(rewards) + GAMMA * next_q[np.arange(3), taken_next])
    # The next segment starts with that action in that state.
    assert learner.agent.n_steps == 1 and learner.agent.actions[0] == next_action


def test_sarsa_the_next_segment_replays_its_first_state_with_the_updated_parameters():
    # After the update, the state it bootstrapped from starts the next segment: that segment's update
    # must see Q(s, .) of the parameters after the first update, not the ones it acted with.
    learner = Learner('one-step-sarsa', t_max=2)
    actions = rewards_and_actions(learner, 2, [1.0])
    a2 = learner.agent.act_and_train(learner.states[2], 0.5)  # first update
    after_first = learner.shared_params.copy()
    learner.sums[:] = 0
    a3 = learner.agent.act_and_train(learner.states[3], -1.0)
    learner.agent.act_and_train(learner.states[4], 0.0)  # second update: segment (states[2], states[3])
    learner.reference_params[:] = after_first
    next_q = learner.q(learner.states[3:5], learner.target)
    a4 = learner.agent.actions[0]
    learner.states = learner.states[2:]
    learner.check_update([a2, a3], [-1.0 + GAMMA * next_q[0, a3], 0.0 + GAMMA * next_q[1, a4]])
    assert actions  # the first segment acted


def test_each_worker_draws_its_final_epsilon_with_the_papers_frequencies():
    draws = [draw_final_epsilons(seed, 1)[0] for seed in range(3000)]
    values, counts = np.unique(draws, return_counts=True)
    frequencies = dict(zip(values.tolist(), (counts / len(draws)).tolist()))
    assert set(frequencies) == {0.01, 0.1, 0.5}
    # Binomial standard deviations at n = 3000 are about 0.009: 4 of them.
    assert frequencies[0.1] == pytest.approx(0.4, abs=0.036)
    assert frequencies[0.01] == pytest.approx(0.3, abs=0.034)
    assert frequencies[0.5] == pytest.approx(0.3, abs=0.034)
    # Reproducible from the seed, independent across workers.
    assert draw_final_epsilons(7, 16) == draw_final_epsilons(7, 16)
    assert len(set(draw_final_epsilons(7, 16))) > 1


def test_epsilon_falls_linearly_from_1_to_its_final_value_then_stays():
    assert epsilon(0, 0.1) == 1.0
    assert epsilon(2_000_000, 0.1) == pytest.approx(0.55)
    assert epsilon(4_000_000, 0.01) == pytest.approx(0.01)
    assert epsilon(9_000_000, 0.5) == pytest.approx(0.5)
    assert epsilon(500, 0.5, epsilon_steps=1000) == pytest.approx(0.75)


def q_args(method, steps, **changes):
    args = argparse.Namespace(processes=2, seed=0, steps=steps, t_max=5, beta=None, lr=7e-3, algorithm=method,
                              eval_frequency=steps, eval_n_runs=100, weight_decay=0.0, use_lstm=False,
                              lstm_forget_bias=None, profile=False, progress_interval=5.0,
                              checkpoint_frequency=steps, keep_checkpoints=0, final_epsilons=[0.1, 0.01, 0.5],
                              final_epsilon_probs=[0.4, 0.3, 0.3], final_epsilon=None, epsilon_steps=2000,
                              target_update_interval=500, eval_epsilon=0.0)
    vars(args).update(changes)
    return args


def corridor(process_idx, seed, train):
    return Corridor(seed, train)


CORRIDOR_SPEC = ModelSpec(Corridor.number_of_actions, q_values=True)


@pytest.mark.parametrize('method', ['n-step-q', 'one-step-q', 'one-step-sarsa'])
def test_each_method_learns_the_corridor_with_two_processes(tmp_path, method):
    assert train(q_args(method, 6000), corridor, CORRIDOR_SPEC, str(tmp_path)) == 0
    scores = np.loadtxt(tmp_path / 'scores.txt', skiprows=1, ndmin=2)
    assert scores[-1, 2] == 1.0, scores  # greedy: the optimal return every time (untrained: ~1/16)


def stats_rows(outdir):
    lines = (outdir / 'stats.csv').read_text().splitlines()
    assert lines[0] == ','.join(Q_STATS.columns)
    return [dict(zip(Q_STATS.columns, line.split(','))) for line in lines[1:]]


def test_the_target_network_is_copied_at_every_multiple_of_the_interval_whichever_worker_reaches_it(tmp_path):
    args = q_args('n-step-q', 3000, target_update_interval=250, stats_frequency=500)
    assert train(args, corridor, CORRIDOR_SPEC, str(tmp_path)) == 0
    rows = stats_rows(tmp_path)
    assert sum(int(row['target_updates']) for row in rows) == 3000 // 250
    assert all(0 <= float(row['epsilon']) <= 1 for row in rows)


def test_without_a_copy_the_target_network_stays_the_models_start(tmp_path):
    args = q_args('one-step-q', 2000, target_update_interval=10_000)
    assert train(args, corridor, CORRIDOR_SPEC, str(tmp_path)) == 0
    checkpoint = latest_checkpoint(str(tmp_path))
    start = make_model(CORRIDOR_SPEC, False, np.random.RandomState(model_init_seed(0)))
    start_params = np.empty(n_parameters(start), np.float32)
    bind_parameters(start, start_params)
    np.testing.assert_array_equal(checkpoint.target_params, start_params)  # theta- <- theta at the start only
    assert np.abs(checkpoint.params - start_params).max() > 1e-3  # while theta trained on
    assert checkpoint.final_epsilons == draw_final_epsilons(0, 2)


def test_ctrl_c_then_resume_keeps_the_target_network_and_each_workers_epsilon(tmp_path):
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '2', 'CartPole-v1', '--algorithm', 'one-step-sarsa', '--steps', '40000',
                          '--eval-frequency', '5000', '--eval-n-runs', '1', '--checkpoint-frequency', '2000',
                          '--target-update-interval', '1000', '--seed', '3', script='a3c_gym.py')
    with killed_at_exit(proc):
        wait_for(lambda: len(checkpoint_paths(str(outdir))) >= 2)
        os.kill(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    stopped = latest_checkpoint(str(outdir))
    assert stopped.final_epsilons == draw_final_epsilons(3, 2)
    assert not np.array_equal(stopped.target_params, stopped.params)  # a copy, not the parameters themselves

    # What the resumed run starts from: the checkpoint's target network, not its parameters.
    from train_async import SharedTraining, begin
    args = argparse.Namespace(**stopped.args)
    model = make_model(ModelSpec(2, 4, vector_input=True, q_values=True), False, np.random.RandomState(0))
    shared = SharedTraining(model, 2, q_learning=True)
    begin(shared, args, str(outdir), stopped, None)
    np.testing.assert_array_equal(shared.target_params, stopped.target_params)
    assert shared.final_epsilons == stopped.final_epsilons

    result = run_script('a3c_gym.py', '--resume', str(outdir), timeout=600)
    assert result.returncode == 0, result.stderr
    assert f'at step {stopped.steps:,}' in result.stdout
    finished = read_checkpoint(str(outdir / 'checkpoint_40000.h5'))
    assert finished.final_epsilons == stopped.final_epsilons


def test_a_q_model_file_says_what_it_is_and_loads_back(tmp_path):
    outdir = tmp_path / 'run'
    result = run_script('a3c_gym.py', '2', 'CartPole-v1', '--algorithm', 'n-step-q', '--steps', '2000',
                        '--eval-frequency', '1000', '--eval-n-runs', '2', '--outdir', str(outdir))
    assert result.returncode == 0, result.stderr
    assert 'training n-step Q on CartPole-v1' in result.stdout
    model_path = str(outdir / '2000_finish.h5')
    use_lstm, spec = inspect_model_file(model_path)
    assert not use_lstm and spec.q_values and spec.n_actions == 2
    with h5py.File(model_path) as f:
        assert f.attrs['algorithm'] == 'n-step Q'
        assert json.loads(f.attrs['arguments'])['eval_epsilon'] == 0.05
        assert set(f) == {'0', '1'}  # the torso and Q(s, .)
    model = load_model(model_path, ModelSpec(2, 4, vector_input=True))
    assert model.q[0].W.shape == (2, 200)

    demo = run_script('demo_a3c_gym.py', 'CartPole-v1', model_path, '--n-runs', '2')
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.startswith('model: n-step Q, Gymnasium CartPole-v1')
    assert 'mean:' in demo.stdout


def test_the_scripts_refuse_what_a_q_learning_method_cannot_take(tmp_path):
    def refused(script, *argv):
        result = run_script(script, *argv, '--outdir', str(tmp_path / 'never'))
        assert result.returncode == 2, result.stdout + result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert not (tmp_path / 'never').exists()
        return result.stderr

    assert '--use-lstm is for A3C' in refused('a3c_ale.py', '2', 'pong', '--algorithm', 'n-step-q', '--use-lstm')
    assert '--beta is A3C' in refused('a3c_ale.py', '2', 'pong', '--algorithm', 'one-step-q', '--beta', '0.01')
    assert 'needs discrete actions' in refused('a3c_gym.py', '2', 'InvertedPendulum-v5', '--algorithm',
                                               'one-step-sarsa')
    assert '--eval-epsilon is for the Q-learning methods' in refused('a3c_ale.py', '2', 'pong', '--eval-epsilon', '0')
    assert 'add up to 0.9' in refused('a3c_ale.py', '2', 'pong', '--algorithm', 'n-step-q',
                                      '--final-epsilon-probs', '0.4', '0.3', '0.2')
    assert 'give one or the other' in refused('a3c_ale.py', '2', 'pong', '--algorithm', 'n-step-q',
                                              '--final-epsilon', '0.1', '--final-epsilons', '0.1', '0.2')


def test_a_model_of_another_algorithm_is_refused_in_one_line(tmp_path):
    a3c_dir, q_dir = tmp_path / 'a3c', tmp_path / 'q'
    for outdir, algorithm in ((a3c_dir, 'a3c'), (q_dir, 'one-step-q')):
        result = run_script('a3c_gym.py', '1', 'CartPole-v1', '--algorithm', algorithm, '--steps', '500',
                            '--eval-frequency', '500', '--eval-n-runs', '1', '--outdir', str(outdir))
        assert result.returncode == 0, result.stderr
    a3c_model, q_model = str(a3c_dir / '500_finish.h5'), str(q_dir / '500_finish.h5')

    demo = run_script('demo_a3c_gym.py', 'CartPole-v1', a3c_model, '--algorithm', 'n-step-q')
    assert demo.returncode == 2 and 'holds an A3C FF model, not a Q-learning one' in demo.stderr
    demo = run_script('demo_a3c_gym.py', 'CartPole-v1', q_model, '--algorithm', 'n-step-q')
    assert demo.returncode == 2 and 'trained with one-step Q, not n-step Q' in demo.stderr
    demo = run_script('demo_a3c_gym.py', 'CartPole-v1', a3c_model, '--epsilon', '0.1')
    assert demo.returncode == 2 and '--epsilon is for a Q-learning model' in demo.stderr
    for stderr in (demo.stderr,):
        assert len(stderr.strip().splitlines()) == 1, stderr

    load = run_script('a3c_gym.py', '1', 'CartPole-v1', '--algorithm', 'n-step-q', '--load', a3c_model,
                      '--outdir', str(tmp_path / 'never'))
    assert load.returncode == 2 and 'holds an A3C FF model, not a Q-learning one' in load.stderr
    load = run_script('a3c_gym.py', '1', 'CartPole-v1', '--load', q_model, '--outdir', str(tmp_path / 'never'))
    assert load.returncode == 2 and 'holds a Q-learning model, not an A3C one' in load.stderr


# CartPole-v1 through the real trainer, 2 processes: settings that make it quick (docs/q_learning.md).
CARTPOLE = {'n-step-q': ['--target-update-interval', '250'],
            'one-step-q': ['--target-update-interval', '100'],
            'one-step-sarsa': ['--target-update-interval', '100']}


@pytest.mark.parametrize('method', sorted(CARTPOLE))
def test_each_method_learns_cartpole_to_500_with_two_processes(tmp_path, method):
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '2', 'CartPole-v1', '--algorithm', method, '--steps', '2e5', '--lr', '7e-3',
                          '--reward-scale', '0.1', '--epsilon-steps', '1e4', '--eval-frequency', '5000',
                          '--seed', '0', *CARTPOLE[method], script='a3c_gym.py')

    def means():
        scores = outdir / 'scores.txt'
        return [float(line.split('\t')[2]) for line in scores.read_text().splitlines()[1:]] if scores.exists() else []
    with killed_at_exit(proc):  # stopped at the first evaluation of 500 (ten episodes of 500), as a user would
        wait_for(lambda: 500.0 in means() or proc.poll() is not None, timeout=900)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGINT)
        proc.communicate(timeout=60)
    assert 500.0 in means(), means()


def test_n_step_q_on_pong_trains_stops_resumes_and_replays(tmp_path):
    # The command line: a3c_ale.py 2 pong --algorithm n-step-q, through Ctrl-C and --resume to a replay.
    outdir = tmp_path / 'run'
    proc = start_training(outdir, '2', 'pong', '--algorithm', 'n-step-q', '--steps', '4000', '--eval-frequency',
                          '4000', '--eval-n-runs', '1', '--checkpoint-frequency', '1000', '--progress-interval', '1')
    with killed_at_exit(proc):
        wait_for(lambda: checkpoint_paths(str(outdir)))
        os.kill(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stdout.startswith('training n-step Q on ')
    stopped = latest_checkpoint(str(outdir)).steps
    result = run_script('a3c_ale.py', '--resume', str(outdir), timeout=600)
    assert result.returncode == 0, result.stderr
    assert f'resuming from {outdir}/checkpoint_{stopped}.h5' in result.stdout
    assert (outdir / '4000_finish.h5').is_file()
    gif = tmp_path / 'pong.gif'
    demo = run_script('demo_a3c_ale.py', 'pong', str(outdir / '4000_finish.h5'), '--n-runs', '1', '--gif', str(gif))
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.startswith('model: n-step Q, pong (ROM md5 ')
    assert gif.stat().st_size > 0


def test_the_q_learning_methods_train_on_vizdoom(tmp_path):
    pytest.importorskip('vizdoom', reason='vizdoom is not installed (make setup-doom installs it)')
    outdir = tmp_path / 'run'
    result = run_script('train_a3c_doom.py', '2', '--scenario', 'basic', '--algorithm', 'one-step-q', '--steps', '1000',
                        '--eval-frequency', '1000', '--eval-n-runs', '1', '--outdir', str(outdir))
    assert result.returncode == 0, result.stderr
    demo = run_script('demo_a3c_doom.py', str(outdir / '1000_finish.h5'), '--scenario', 'basic', '--n-runs', '1')
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.startswith('model: one-step Q, ViZDoom basic')
