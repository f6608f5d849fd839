"""Training with N worker processes, shared by every environment's trainer and every method
(--algorithm: A3C, a3c.py; the asynchronous Q-learning methods, q_learning.py).

The parent process creates the model and binds its parameters to shared
memory, with the shared RMSProp statistics beside them (and, for the
Q-learning methods, the target network), then forks the workers. Each worker
trains its own agent against its own environment and increments the global
step counter; the worker whose step is a multiple of --eval-frequency
evaluates the current shared parameters and records the result, and the one
whose step is a multiple of --target-update-interval copies the shared
parameters into the target network. The parent shows progress, writes a checkpoint every
--checkpoint-frequency steps, stops every worker on Ctrl-C or SIGTERM or when
one dies, and saves the final model when the counter reaches --steps.
"""
import cProfile
import ctypes
import datetime
import math
import os
import pstats
import signal
import sys
import time
import traceback

import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer
import numpy as np

from a3c import A3C, learning_rate
from async_util import bind_parameters, mp_context, n_parameters, shared_array, weight_mask
from checkpoint import Checkpoint, checkpoint_paths, write_checkpoint
from errors import NonFiniteError, UsageError, WriteError
from evaluation import eval_performance
from exploration import draw_final_epsilons, epsilon
from model_info import with_progress
from models import make_model, save_model
from q_learning import AsyncQLearner
from rmsprop_async import RMSpropAsync
from run_dir import append_score, recorded_steps, rewind_scores, start_scores, unique_path
from seeding import independent_seeds
from tensorboard_log import TensorBoardLog
from training_stats import A3C_STATS, Q_STATS, SharedSums, StatsWriter, add_episode, rewind_stats, start_stats

WORKER_STOP_TIMEOUT = 10.0
DEFAULT_STATS_FREQUENCY = 10_000


def worker_seeds(seed, process_idx, start_step):
    """Independent seeds for a worker's training environment, its agent's action sampling, its
    evaluation environment (no-op starts) and its evaluation's action sampling (the original gave
    every worker the same seed); a resumed run draws new ones."""
    return independent_seeds(4, seed, process_idx, start_step)


def model_init_seed(seed):
    return int(np.random.SeedSequence([seed]).generate_state(1)[0])


def algorithm_of(args):
    """--algorithm: 'a3c' (also for a run recorded before the option) or one of q_learning.METHODS."""
    return getattr(args, 'algorithm', 'a3c')


class SharedTraining:
    """What the workers share: parameters, RMSProp statistics, the global counter, results; for the
    Q-learning methods the target network and each worker's final epsilon."""

    def __init__(self, model, n_workers=1, q_learning=False):
        self.params = shared_array(n_parameters(model))
        bind_parameters(model, self.params)
        self.stats = shared_array(self.params.size)
        self.target_params = shared_array(self.params.size) if q_learning else None
        self.final_epsilons = None  # set before the workers start
        self.counter = mp_context.Value('q', 0)
        self.stop = mp_context.RawValue('b', 0)
        self.best_mean = mp_context.RawValue('d', -math.inf)
        self.last_eval_steps = mp_context.RawValue('q', 0)
        self.last_eval_mean = mp_context.RawValue('d', math.nan)
        self.results_lock = mp_context.Lock()  # scores.txt and the best model
        self.errors = mp_context.SimpleQueue()  # (worker name, cause) from a worker that fails
        self.sums = SharedSums(n_workers, Q_STATS if q_learning else A3C_STATS)  # for stats.csv

    def global_steps(self, total_steps):
        return min(self.counter.value, total_steps)

    def snapshot(self, start_time, total_steps):
        """A checkpoint of the shared state now (Hogwild: workers may be mid-update)."""
        steps = self.global_steps(total_steps)
        return Checkpoint(steps=steps, params=self.params.copy(), stats=self.stats.copy(),
                          elapsed=time.time() - start_time, best_mean=self.best_mean.value, args={},
                          target_params=None if self.target_params is None else self.target_params.copy(),
                          final_epsilons=self.final_epsilons)

    def update_target(self):
        """theta- <- theta: the target network becomes the shared parameters as they are now."""
        self.target_params[:] = self.params


def die_with_parent():
    """Have the kernel kill this worker if the parent dies, even by SIGKILL: no orphans."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Worker:
    """One training process: its environment, its agent, and its share of the evaluations."""

    def __init__(self, process_idx, args, shared, make_env, spec, outdir, start_time, start_step,
                 evaluations_to_redo, model_info=None):
        self.process_idx = process_idx
        self.name = f'worker-{process_idx}'
        self.args = args
        self.shared = shared
        self.make_env = make_env
        self.spec = spec
        self.model_info = model_info
        self.outdir = outdir
        self.start_time = start_time
        self.evaluations_to_redo = evaluations_to_redo
        self.env_seed, agent_seed, self.eval_env_seed, eval_action_seed = worker_seeds(
            args.seed, process_idx, start_step)
        self.rng = np.random.RandomState(agent_seed)
        self.eval_rng = np.random.RandomState(eval_action_seed)
        self.eval_env = None
        self.eval_model = None

    def run(self, parent_pid):
        die_with_parent()
        if os.getppid() != parent_pid:
            return
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us through shared.stop
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        chainer.config.type_check = False
        try:
            if self.args.profile:
                self.train_with_profile()
            else:
                self.train()
        except BaseException as error:
            if isinstance(error, WriteError):  # the parent says it, with what to do next
                self.shared.errors.put((self.name, str(error), (error.path, error.reason)))
            else:
                if not isinstance(error, NonFiniteError):  # that one says all there is to say
                    traceback.print_exc()
                self.shared.errors.put((self.name, f'{type(error).__name__}: {error}', None))
            sys.stderr.flush()
            os._exit(1)

    def train_with_profile(self):
        profiler = cProfile.Profile()
        profiler.runcall(self.train)
        path = os.path.join(self.outdir, f'profile_{self.process_idx}.txt')
        with open(path, 'w') as f:
            pstats.Stats(profiler, stream=f).sort_stats('cumulative').print_stats(40)
        print(f'{self.name}: profile written to {path}', flush=True)

    def train(self):
        args, shared = self.args, self.shared
        self.open_evaluation()  # now, not at the first evaluation: a worker's memory is steady from the start
        for global_t in self.evaluations_to_redo:
            self.evaluate(global_t)
        env = self.make_env(self.process_idx, self.env_seed, train=True)
        sums = shared.sums.row(self.process_idx)
        agent = self.make_agent(sums)
        final_epsilon = None if shared.final_epsilons is None else shared.final_epsilons[self.process_idx]
        target_updates = shared.sums.layout.count_index('target_updates') if shared.target_params is not None else None
        episode_reward = 0.0
        while not shared.stop.value:
            with shared.counter.get_lock():
                shared.counter.value += 1
                global_t = shared.counter.value
            if global_t > args.steps:
                break
            agent.lr = learning_rate(global_t, args.steps, args.lr)
            if final_epsilon is not None:
                agent.epsilon = epsilon(global_t, final_epsilon, args.epsilon_steps)
            if target_updates is not None and global_t % args.target_update_interval == 0:
                shared.update_target()  # whichever worker's step it is
                sums[target_updates] += 1
            # As the original counted: the step that sees a terminal state trains and resets
            # instead of acting, and counts as one global step.
            if env.is_terminal:
                # A truncated episode (a time limit, not the task's end) bootstraps from its last state.
                agent.stop_episode_and_train(env.reward, env.state if getattr(env, 'is_truncated', False) else None)
                add_episode(sums, episode_reward)
                episode_reward = 0.0
                env.reset()
            else:
                episode_reward += env.receive_action(agent.act_and_train(env.state, env.reward))
            if global_t % args.eval_frequency == 0:
                self.evaluate(global_t)

    def make_agent(self, sums):
        """This worker's agent for --algorithm, on a local model of its own."""
        args, shared = self.args, self.shared
        model = make_model(self.spec, args.use_lstm, self.rng)
        optimizer = RMSpropAsync(weight_decay=args.weight_decay, weight_mask=weight_mask(model))
        if shared.target_params is None:
            return A3C(model, shared.params, shared.stats, optimizer, self.rng, t_max=args.t_max, beta=args.beta,
                       sums=sums)
        target_model = make_model(self.spec, False, np.random.RandomState(0))
        bind_parameters(target_model, shared.target_params, keep_values=False)  # the shared target network itself
        return AsyncQLearner(model, target_model, shared.params, shared.stats, optimizer, self.rng,
                             algorithm_of(args), t_max=args.t_max, sums=sums)

    def open_evaluation(self):
        """The evaluation's environment and model (made once)."""
        if self.eval_env is None:
            self.eval_env = self.make_env(self.process_idx, self.eval_env_seed, train=False)
            self.eval_model = make_model(self.spec, self.args.use_lstm, np.random.RandomState(0))
            if self.spec.q_values:
                self.eval_model.epsilon = self.args.eval_epsilon  # evaluations act epsilon-greedily too
            self.eval_params = np.empty_like(self.shared.params)
            bind_parameters(self.eval_model, self.eval_params)

    def evaluate(self, global_t):
        """Play --eval-n-runs whole games with the current shared parameters and record them."""
        self.open_evaluation()
        self.eval_params[:] = self.shared.params
        timeout = getattr(self.args, 'eval_timeout', None)
        deadline = time.time() + timeout if timeout else math.inf
        result = eval_performance(self.eval_env, self.eval_model, self.args.eval_n_runs, self.eval_rng,
                                  should_stop=lambda: self.shared.stop.value or time.time() > deadline)
        if result is None:  # stopped: a resumed run plays this evaluation again
            if not self.shared.stop.value:
                print(f'evaluation at {global_t} steps: given up after {timeout:g} s (--eval-timeout) before its '
                      f'{self.args.eval_n_runs} episode(s) ended; not recorded, training goes on', flush=True)
            return
        _, (mean, median, stdev), n_cut = result
        elapsed = time.time() - self.start_time
        shared = self.shared
        with shared.results_lock:
            append_score(self.outdir, (global_t, elapsed, mean, median, stdev))
            shared.last_eval_steps.value = global_t
            shared.last_eval_mean.value = mean
            line = f'evaluation at {global_t} steps: mean {mean:g} median {median:g} stdev {stdev:.4g}'
            if n_cut:
                line += f' ({n_cut} of {len(result[0])} episodes cut by the time limit)'
            if mean > shared.best_mean.value:
                path = unique_path(os.path.join(self.outdir, f'{global_t}.h5'))
                save_model(path, self.eval_model, with_progress(self.model_info, global_t, mean))
                line += f' (best so far, was {shared.best_mean.value:g}; saved {path})'
                shared.best_mean.value = mean
            print(line, flush=True)


def run_worker(parent_pid, *worker_args):
    Worker(*worker_args).run(parent_pid)


class Interrupted(Exception):
    pass


class InterruptOnce:
    """A signal handler: the first SIGINT or SIGTERM is recorded, and monitor() stops the run at its
    next look (within a fraction of a second); later ones only say that the stop is under way, so
    that they cannot cut the save short. Two come together more often than not: Ctrl-C in a
    terminal reaches a wrapper script (bench/learn_until.sh) and the trainer, and the wrapper passes
    its own on. Recorded, not raised here: an exception raised by a handler is lost when the signal
    lands in a weakref callback or a finalizer ("Exception ignored in ..."), and the run went on."""

    def __init__(self):
        self.received = None  # the first signal's name

    def __call__(self, signum, frame):
        name = signal.Signals(signum).name
        if self.received is None:
            self.received = name
            return
        print(f'{name} received again: the run is already stopping (it saves the model first); wait',
              file=sys.stderr, flush=True)


def train(args, make_env, spec, outdir, checkpoint=None, initial_params=None, model_info=None):
    """Train with args.processes workers, from scratch, from initial_params, or on from a
    checkpoint of this run; return the process exit status. spec: the shape of the model that
    make_env's environments need (a ModelSpec). model_info: what every model file written says of
    itself (model_info.run_info)."""
    model = make_model(spec, args.use_lstm, np.random.RandomState(model_init_seed(args.seed)), args.lstm_forget_bias)
    shared = SharedTraining(model, args.processes, q_learning=spec.q_values)
    if checkpoint is not None and checkpoint.params.size != shared.params.size:
        raise UsageError(f'{checkpoint.path!r} holds {checkpoint.params.size} parameters but this model has '
                         f'{shared.params.size}; resume it with the arguments it was started with')
    try:
        evaluations_to_redo, start_time = begin(shared, args, outdir, checkpoint, initial_params)
    except WriteError as error:
        return report_write_failure(error, outdir)
    start_step, run_start = shared.counter.value, time.time()
    tensorboard = (TensorBoardLog(outdir, resumed_at=start_step if checkpoint else None)
                   if getattr(args, 'tensorboard', False) else None)
    stats = StatsWriter(outdir, shared.sums, start_step, run_start, tensorboard)
    workers = [mp_context.Process(target=run_worker, name=f'worker-{i}',
                                  args=(os.getpid(), i, args, shared, make_env, spec, outdir, start_time,
                                        start_step, evaluations_to_redo if i == 0 else [], model_info))
               for i in range(args.processes)]

    def save_checkpoint():
        snapshot = shared.snapshot(start_time, args.steps)
        snapshot.args = vars(args)
        with shared.results_lock:  # which evaluations have their row: a resumed run plays the others again
            snapshot.recorded_evaluations = recorded_steps(outdir)
        return write_checkpoint(outdir, snapshot, keep=args.keep_checkpoints)

    # Explicit handlers: a shell starts background jobs with SIGINT ignored.
    interrupt_once = InterruptOnce()
    previous_handlers = {signum: signal.signal(signum, interrupt_once) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        for worker in workers:
            worker.start()
        failure = monitor(workers, shared, args, start_time, save_checkpoint, stats, interrupt_once)
    except Interrupted as interruption:
        print(f'\n{interruption} received: stopping the workers', file=sys.stderr, flush=True)
        stop_workers(workers, shared)
        steps = shared.global_steps(args.steps)
        try:
            path = save_checkpoint()
            model_path = unique_path(os.path.join(outdir, f'{steps}_keyboardinterrupt.h5'))
            save_model(model_path, model, with_progress(model_info, steps))
        except NonFiniteError as error:
            print(f'error: {error}; nothing saved, the previous checkpoint is intact', file=sys.stderr)
            return 1
        except WriteError as error:
            return report_write_failure(error, outdir)
        print(f'saved the current model to {model_path} and a checkpoint to {path}; continue with '
              f'--resume {outdir}', file=sys.stderr)
        return 130
    finally:
        stop_workers(workers, shared)
        for signum, handler in previous_handlers.items():
            # Once stopped by a signal, the process is ending, saved: a late one must not kill it.
            signal.signal(signum, signal.SIG_IGN if interrupt_once.received else handler)
        stats.close()
    if isinstance(failure, WriteError):
        try:  # as after Ctrl-C, where the disk still lets us
            save_checkpoint()
        except (WriteError, NonFiniteError):
            pass
        return report_write_failure(failure, outdir)
    if failure:
        last = checkpoint_paths(outdir)
        print(f'error: {failure}; training stopped; ' +
              (f'the last checkpoint is intact: {last[0]} (--resume {outdir})' if last else 'no checkpoint yet'),
              file=sys.stderr)
        return 1
    try:
        save_checkpoint()
        path = unique_path(os.path.join(outdir, f'{args.steps}_finish.h5'))
        save_model(path, model, with_progress(model_info, args.steps))
    except NonFiniteError as error:
        print(f'error: {error}; the final model is not saved', file=sys.stderr)
        return 1
    except WriteError as error:
        return report_write_failure(error, outdir)
    this_run = time.time() - run_start
    print(f'training finished: {args.steps} steps in {format_duration(time.time() - start_time)} '
          f'({(args.steps - start_step) / this_run:.1f} steps/s); saved the final model to {path}', flush=True)
    return 0


def begin(shared, args, outdir, checkpoint, initial_params):
    """Set the shared state and the run's files for a new run, or for one resumed from checkpoint;
    return the evaluations to play again first and the run's start time."""
    layout = shared.sums.layout
    if checkpoint is None:
        if initial_params is not None:
            shared.params[:] = initial_params
        if shared.target_params is not None:
            shared.update_target()  # theta- <- theta at the start
            shared.final_epsilons = draw_final_epsilons(args.seed, args.processes, args.final_epsilons,
                                                        args.final_epsilon_probs)
        start_scores(outdir)
        start_stats(outdir, layout)
        return [], time.time()
    shared.params[:] = checkpoint.params
    shared.stats[:] = checkpoint.stats
    shared.counter.value = checkpoint.steps
    if shared.target_params is not None:
        shared.target_params[:] = checkpoint.params if checkpoint.target_params is None else checkpoint.target_params
        shared.final_epsilons = checkpoint.final_epsilons or draw_final_epsilons(
            args.seed, args.processes, args.final_epsilons, args.final_epsilon_probs)
    # An evaluation may have been recorded after the checkpoint's snapshot: its row counts too.
    evaluations_to_redo, best_recorded = rewind_scores(outdir, checkpoint.steps, args.eval_frequency,
                                                       checkpoint.recorded_evaluations)
    rewind_stats(outdir, checkpoint.steps, layout)
    shared.best_mean.value = max(checkpoint.best_mean, best_recorded)
    print(f'resuming from {checkpoint.path} at step {checkpoint.steps:,}', flush=True)
    return evaluations_to_redo, time.time() - checkpoint.elapsed


def report_write_failure(error, outdir):
    """One line: the file that could not be written, why, and where the run can go on from."""
    last = checkpoint_paths(outdir)
    where = (f'the newest intact checkpoint is {last[0]}: when there is room again, continue with '
             f'--resume {outdir}' if last else 'no checkpoint was written yet')
    print(f'error: {error}; training stopped; {where}', file=sys.stderr, flush=True)
    return 1


def monitor(workers, shared, args, start_time, save_checkpoint, stats, interrupt_once):
    """Show progress, write checkpoints and statistics until every worker has finished; return a
    failure (a message, or the WriteError that stopped the run), or None. Raises Interrupted once
    interrupt_once has received a signal."""
    last_time, last_steps = time.time(), shared.counter.value
    next_checkpoint = (last_steps // args.checkpoint_frequency + 1) * args.checkpoint_frequency
    stats_frequency = getattr(args, 'stats_frequency', DEFAULT_STATS_FREQUENCY)
    next_stats = (last_steps // stats_frequency + 1) * stats_frequency
    while True:
        if interrupt_once.received:
            raise Interrupted(interrupt_once.received)
        for worker in workers:
            worker.join(timeout=0.2 / len(workers))
            if worker.exitcode not in (None, 0):
                return worker_failure(worker, shared)
        steps = shared.global_steps(args.steps)
        if steps >= next_checkpoint and steps < args.steps:
            try:
                save_checkpoint()
            except NonFiniteError as error:
                return f'{error} (not saved)'
            except WriteError as error:
                return error
            next_checkpoint = (steps // args.checkpoint_frequency + 1) * args.checkpoint_frequency
        if steps >= next_stats:
            try:
                stats.write(steps, time.time(), time.time() - start_time, learning_rate(steps, args.steps, args.lr))
            except WriteError as error:
                return error
            next_stats = (steps // stats_frequency + 1) * stats_frequency
        if all(worker.exitcode == 0 for worker in workers):
            return None
        now = time.time()
        if now - last_time >= args.progress_interval:
            print(progress_line(steps, args.steps, (steps - last_steps) / (now - last_time), now - start_time,
                                shared.last_eval_steps.value, shared.last_eval_mean.value,
                                shared.best_mean.value), flush=True)
            last_time, last_steps = now, steps


def worker_failure(worker, shared):
    """What stopped a worker: the WriteError it could not get past, or a message."""
    causes = {}
    while not shared.errors.empty():
        name, cause, write_error = shared.errors.get()
        causes[name] = WriteError(*write_error) if write_error else cause
    if isinstance(causes.get(worker.name), WriteError):
        return causes[worker.name]
    if worker.name in causes:
        return f'{worker.name} failed: {causes[worker.name]}'
    if worker.exitcode < 0:
        return f'{worker.name} was killed by signal {signal.Signals(-worker.exitcode).name}'
    return f'{worker.name} exited with status {worker.exitcode}'


def stop_workers(workers, shared):
    """Ask every worker to stop; terminate whoever has not within WORKER_STOP_TIMEOUT seconds."""
    shared.stop.value = 1
    deadline = time.time() + WORKER_STOP_TIMEOUT
    for worker in workers:
        if worker.pid is not None:
            worker.join(timeout=max(0.0, deadline - time.time()))
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
            worker.join()


def format_duration(seconds):
    if not math.isfinite(seconds):
        return '?'
    return str(datetime.timedelta(seconds=int(seconds)))


def progress_line(steps, total_steps, steps_per_s, elapsed, eval_steps, eval_mean, best_mean):
    remaining = (total_steps - steps) / steps_per_s if steps_per_s > 0 else math.inf
    line = (f'steps {steps:,}/{total_steps:,} ({100 * steps / total_steps:.1f}%) | {steps_per_s:,.0f} steps/s | '
            f'elapsed {format_duration(elapsed)} | remaining {format_duration(remaining)}')
    if eval_steps:
        line += f' | last eval mean {eval_mean:g} at {eval_steps:,} (best {best_mean:g})'
    return line
