"""Independent random streams: every use of randomness gets a seed of its own, derived from the
run's seed, so that no two streams (no-op starts, action sampling, ...) draw the same numbers."""
import numpy as np


def independent_seeds(n, *entropy):
    """n seeds for independent streams, derived from entropy (the run's seed, a worker's index, ...)."""
    children = np.random.SeedSequence([int(x) for x in entropy]).spawn(n)
    return [int(child.generate_state(1)[0]) % 2**31 for child in children]
