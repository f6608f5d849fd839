"""Epsilon-greedy exploration of the asynchronous Q-learning methods (Mnih et al. 2016, section 8):
each worker draws its final epsilon from {0.1, 0.01, 0.5} with probabilities {0.4, 0.3, 0.3}, and
its epsilon falls linearly from 1 to that value over the first 4 million global steps, driven by
the global counter (as ChainerRL 0.8's NSQ example reads the paper's "four million frames")."""
import numpy as np

FINAL_EPSILONS = (0.1, 0.01, 0.5)
FINAL_EPSILON_PROBABILITIES = (0.4, 0.3, 0.3)
EPSILON_STEPS = 4_000_000


def draw_final_epsilons(seed, n_workers, values=FINAL_EPSILONS, probabilities=FINAL_EPSILON_PROBABILITIES):
    """Each worker's final epsilon, drawn independently from values with probabilities: from the run's
    seed and the worker's index alone, so that the same run (and its --resume) draws the same."""
    draws = []
    for process_idx in range(n_workers):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), process_idx, 0xE951]))
        draws.append(float(values[rng.choice(len(values), p=np.asarray(probabilities, np.float64))]))
    return draws


def epsilon(global_step, final_epsilon, epsilon_steps=EPSILON_STEPS):
    """1 at step 0, falling linearly to final_epsilon at epsilon_steps, then final_epsilon."""
    return 1.0 + (final_epsilon - 1.0) * min(1.0, global_step / epsilon_steps)
