"""Playing whole episodes with a model's policy: evaluation during training, and the demo."""
import statistics

import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer

from models import phi


def run_episode(env, model, rng, deterministic=False, should_stop=None, on_step=None):
    """Play one episode of env (an evaluation env: whole game, real score) with model's policy, or
    uniformly random actions if model is None; return its score, or None if should_stop() said so
    before the end. on_step, if given, gets env after the reset and after every step."""
    env.reset()
    if on_step is not None:
        on_step(env)
    recurrent_state = None
    score = 0.0
    with chainer.no_backprop_mode():
        while not env.is_terminal:
            if should_stop is not None and should_stop():
                return None
            if model is None:
                action = env.random_action(rng)
            else:
                pout, _, recurrent_state = model(phi(env.state[None]), recurrent_state)
                action = pout.sample(rng, deterministic)
            score += env.receive_action(action)
            if on_step is not None:
                on_step(env)
    return score


def summarize(scores):
    """mean, median and sample standard deviation (0 for a single score), as the original."""
    stdev = statistics.stdev(scores) if len(scores) > 1 else 0.0
    return statistics.mean(scores), statistics.median(scores), stdev


def eval_performance(env, model, n_runs, rng, deterministic=False, should_stop=None):
    """Play n_runs episodes; return (scores, (mean, median, stdev), how many a time limit cut), or
    None if stopped."""
    scores, n_cut = [], 0
    for _ in range(n_runs):
        scores.append(run_episode(env, model, rng, deterministic, should_stop))
        if scores[-1] is None:
            return None
        n_cut += bool(getattr(env, 'is_truncated', False))
    return scores, summarize(scores), n_cut
