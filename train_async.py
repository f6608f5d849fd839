"""Training A3C with N worker processes, shared by every environment's trainer.

The parent process creates the model and binds its parameters to shared
memory, with the shared RMSProp statistics beside them, then forks the
workers. Each worker trains its own agent against its own environment and
increments the global step counter; the worker whose step is a multiple of
--eval-frequency evaluates the current shared parameters and records the
result. The parent shows progress, stops every worker on Ctrl-C or when one
dies, and saves the final model when the counter reaches --steps.
"""
import cProfile
import datetime
import json
import math
import os
import pstats
import signal
import subprocess
import sys
import time

import chainer
import numpy as np

from a3c import A3C, learning_rate
from async_util import bind_parameters, mp_context, n_parameters, shared_array, weight_mask
from errors import UsageError
from evaluation import eval_performance
from models import make_model, save_model
from rmsprop_async import RMSpropAsync

SCORES_HEADER = ('steps', 'elapsed', 'mean', 'median', 'stdev')
WORKER_STOP_TIMEOUT = 10.0


def worker_seeds(seed, process_idx):
    """Independent seeds for a worker's environment, agent and evaluation (the original gave
    every worker the same seed)."""
    children = np.random.SeedSequence([seed, process_idx]).spawn(3)
    return [int(child.generate_state(1)[0]) % 2**31 for child in children]


def model_init_seed(seed):
    return int(np.random.SeedSequence([seed]).generate_state(1)[0])


class SharedTraining:
    """What the workers share: parameters, RMSProp statistics, the global counter, results."""

    def __init__(self, model):
        self.params = shared_array(n_parameters(model))
        bind_parameters(model, self.params)
        self.stats = shared_array(self.params.size)
        self.counter = mp_context.Value('q', 0)
        self.stop = mp_context.RawValue('b', 0)
        self.best_mean = mp_context.RawValue('d', -math.inf)
        self.last_eval_steps = mp_context.RawValue('q', 0)
        self.last_eval_mean = mp_context.RawValue('d', math.nan)
        self.results_lock = mp_context.Lock()  # scores.txt and the best model

    def global_steps(self, total_steps):
        return min(self.counter.value, total_steps)


class Worker:
    """One training process: its environment, its agent, and its share of the evaluations."""

    def __init__(self, process_idx, args, shared, make_env, n_actions, outdir, start_time):
        self.process_idx = process_idx
        self.args = args
        self.shared = shared
        self.make_env = make_env
        self.n_actions = n_actions
        self.outdir = outdir
        self.start_time = start_time
        self.env_seed, agent_seed, self.eval_seed = worker_seeds(args.seed, process_idx)
        self.rng = np.random.RandomState(agent_seed)
        self.eval_rng = np.random.RandomState(self.eval_seed)
        self.eval_env = None
        self.eval_model = None

    def run(self):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us through shared.stop
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        chainer.config.type_check = False
        if self.args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(self.train)
            path = os.path.join(self.outdir, f'profile_{self.process_idx}.txt')
            with open(path, 'w') as f:
                pstats.Stats(profiler, stream=f).sort_stats('cumulative').print_stats(40)
            print(f'worker {self.process_idx}: profile written to {path}', flush=True)
        else:
            self.train()

    def train(self):
        args, shared = self.args, self.shared
        env = self.make_env(self.process_idx, self.env_seed, train=True)
        model = make_model(self.n_actions, args.use_lstm, self.rng)
        optimizer = RMSpropAsync(shared.params.size, weight_decay=args.weight_decay,
                                 weight_mask=weight_mask(model))
        agent = A3C(model, shared.params, shared.stats, optimizer, self.rng,
                    t_max=args.t_max, beta=args.beta)
        while not shared.stop.value:
            with shared.counter.get_lock():
                shared.counter.value += 1
                global_t = shared.counter.value
            if global_t > args.steps:
                break
            agent.lr = learning_rate(global_t, args.steps, args.lr)
            env.receive_action(agent.act_and_train(env.state, env.reward))
            if env.is_terminal:
                agent.stop_episode_and_train(env.reward)
                env.reset()
            if global_t % args.eval_frequency == 0:
                self.evaluate(global_t)

    def evaluate(self, global_t):
        """Play --eval-n-runs whole games with the current shared parameters and record them."""
        if self.eval_env is None:
            self.eval_env = self.make_env(self.process_idx, self.eval_seed, train=False)
            self.eval_model = make_model(self.n_actions, self.args.use_lstm, self.eval_rng)
            self.eval_params = np.empty_like(self.shared.params)
            bind_parameters(self.eval_model, self.eval_params)
        self.eval_params[:] = self.shared.params
        _, (mean, median, stdev) = eval_performance(self.eval_env, self.eval_model,
                                                    self.args.eval_n_runs, self.eval_rng)
        elapsed = time.time() - self.start_time
        shared = self.shared
        with shared.results_lock:
            with open(os.path.join(self.outdir, 'scores.txt'), 'a') as f:
                print('\t'.join(str(x) for x in (global_t, elapsed, mean, median, stdev)), file=f)
            shared.last_eval_steps.value = global_t
            shared.last_eval_mean.value = mean
            if mean > shared.best_mean.value:
                path = os.path.join(self.outdir, f'{global_t}.h5')
                save_model(path, self.eval_model)
                print(f'evaluation at {global_t} steps: mean {mean:g} median {median:g} stdev {stdev:.4g} '
                      f'(best so far, was {shared.best_mean.value:g}; saved {path})', flush=True)
                shared.best_mean.value = mean
            else:
                print(f'evaluation at {global_t} steps: mean {mean:g} median {median:g} stdev {stdev:.4g}',
                      flush=True)


def run_worker(*worker_args):
    Worker(*worker_args).run()


class Interrupted(Exception):
    pass


def _raise_interrupted(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def train(args, make_env, n_actions, outdir):
    """Train with args.processes workers; return the process exit status."""
    model = make_model(n_actions, args.use_lstm, np.random.RandomState(model_init_seed(args.seed)))
    shared = SharedTraining(model)
    with open(os.path.join(outdir, 'scores.txt'), 'w') as f:
        print('\t'.join(SCORES_HEADER), file=f)
    start_time = time.time()
    workers = [mp_context.Process(target=run_worker, name=f'worker-{i}',
                                  args=(i, args, shared, make_env, n_actions, outdir, start_time))
               for i in range(args.processes)]
    # Explicit handlers: a shell starts background jobs with SIGINT ignored.
    previous_handlers = {signum: signal.signal(signum, _raise_interrupted)
                         for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        for worker in workers:
            worker.start()
        failure = monitor(workers, shared, args, start_time)
    except Interrupted as interruption:
        print(f'\n{interruption} received: stopping the workers', file=sys.stderr, flush=True)
        stop_workers(workers, shared)
        path = os.path.join(outdir, f'{shared.global_steps(args.steps)}_keyboardinterrupt.h5')
        save_model(path, model)
        print(f'saved the current model to {path}', file=sys.stderr)
        return 130
    finally:
        stop_workers(workers, shared)
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
    if failure:
        print(f'error: {failure}; training stopped', file=sys.stderr)
        return 1
    path = os.path.join(outdir, f'{args.steps}_finish.h5')
    save_model(path, model)
    elapsed = time.time() - start_time
    print(f'training finished: {args.steps} steps in {format_duration(elapsed)} '
          f'({args.steps / elapsed:.1f} steps/s); saved the final model to {path}', flush=True)
    return 0


def monitor(workers, shared, args, start_time):
    """Show progress until every worker has finished; return a failure message, or None."""
    last_time, last_steps = start_time, 0
    while True:
        for worker in workers:
            worker.join(timeout=0.2 / len(workers))
            if worker.exitcode not in (None, 0):
                cause = (f'killed by signal {signal.Signals(-worker.exitcode).name}' if worker.exitcode < 0
                         else f'exit status {worker.exitcode}, traceback above')
                return f'{worker.name} died ({cause})'
        if all(worker.exitcode == 0 for worker in workers):
            return None
        now = time.time()
        if now - last_time >= args.progress_interval:
            steps = shared.global_steps(args.steps)
            print(progress_line(steps, args.steps, (steps - last_steps) / (now - last_time), now - start_time,
                                shared.last_eval_steps.value, shared.last_eval_mean.value,
                                shared.best_mean.value), flush=True)
            last_time, last_steps = now, steps


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


def prepare_outdir(outdir, default_parent, run_name):
    """Create the run directory: outdir if given (it must not hold an earlier run), or a new one
    named after the run and the start time under default_parent."""
    if outdir is None:
        stamp = datetime.datetime.now().strftime('%Y%m%dT%H%M%S')
        outdir = os.path.join(default_parent, f'{run_name}_{stamp}')
        suffix = 1
        while os.path.exists(outdir):
            suffix += 1
            outdir = os.path.join(default_parent, f'{run_name}_{stamp}_{suffix}')
    elif os.path.isdir(outdir) and os.listdir(outdir):
        raise UsageError(f'--outdir {outdir!r} already holds files of an earlier run; give a new or empty directory')
    elif os.path.exists(outdir) and not os.path.isdir(outdir):
        raise UsageError(f'--outdir {outdir!r} is a file; give a directory')
    try:
        os.makedirs(outdir, exist_ok=True)
        probe = os.path.join(outdir, '.write_test')
        with open(probe, 'w'):
            pass
        os.remove(probe)
    except OSError as error:
        raise UsageError(f'cannot write to the output directory {outdir!r} ({error.strerror}); '
                         'give a writable --outdir') from None
    return outdir


def record_run(outdir, args):
    """The arguments, the command line and the code's git revision, as the original recorded them."""
    with open(os.path.join(outdir, 'args.txt'), 'w') as f:
        json.dump(vars(args), f, indent=2, sort_keys=True)
        f.write('\n')
    with open(os.path.join(outdir, 'command.txt'), 'w') as f:
        f.write(' '.join([sys.executable] + sys.argv) + '\n')
    code_dir = os.path.dirname(os.path.abspath(__file__))

    def git(*command):
        try:
            return subprocess.run(['git', '-C', code_dir, *command], capture_output=True, text=True,
                                  timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired) as error:
            return f'git unavailable: {error}\n'
    with open(os.path.join(outdir, 'git.txt'), 'w') as f:
        f.write(f'revision: {git("rev-parse", "HEAD").strip() or "unknown (not a git checkout)"}\n')
        f.write('status:\n' + git('status', '--porcelain'))
    with open(os.path.join(outdir, 'git-diff.txt'), 'w') as f:
        f.write(git('diff', 'HEAD'))
