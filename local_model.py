"""A worker's local copy of the shared parameters, and the Hogwild step from a segment's loss to
the shared parameters: what every method's agent shares (a3c.py's A3C, q_learning.py's
AsyncQLearner)."""
import numpy as np

from async_util import bind_parameters, gradients_in_order, n_parameters, parameters_in_order, views_in
from errors import NonFiniteError
from obs_normalizer import observe


class LocalModel:
    """model, bound to a local copy of shared_params (flat vectors in shared memory, with RMSProp's
    shared_stats beside them); optimizer: an RMSpropAsync."""

    def __init__(self, model, shared_params, shared_stats, optimizer):
        self.model = model
        self.shared_params = shared_params
        self.shared_stats = shared_stats
        self.optimizer = optimizer
        self.local_params = np.empty(n_parameters(model), np.float32)
        bind_parameters(model, self.local_params)
        self.local_params[:] = shared_params
        self.ordered_params = parameters_in_order(model)  # the flat layout's order
        # --normalize-obs: the shared observation statistics, to which acting adds each state
        self.shared_statistics = None
        if model.normalizer is not None:
            normalizer = model.normalizer
            self.shared_statistics = views_in(shared_params, model, (normalizer.count, normalizer.mean, normalizer.var))

    def observe(self, x):
        """Count a state acted on (as the model reads it) in --normalize-obs's shared statistics."""
        if self.shared_statistics is not None:
            observe(*self.shared_statistics, x)

    def apply(self, loss, lr):
        """The gradient of loss (a scalar Variable of the local model's) into the shared parameters:
        one shared RMSProp step at lr, no lock (Hogwild), which writes the new shared parameters
        into the local ones as well (the copy back). Returns the gradient's norm before clipping."""
        if not np.isfinite(loss.array):
            raise NonFiniteError(f'the loss is {float(loss.array)}; the update is not applied')
        self.model.cleargrads()
        loss.backward()
        return self.optimizer.update(self.shared_params, self.shared_stats, gradients_in_order(self.ordered_params),
                                     lr, local=self.local_params)
