"""Shared memory and processes for Hogwild training.

A model's parameters are bound to one flat float32 buffer: the i-th parameter
is a view of a slice of it. The global model binds to a buffer in shared
memory, each worker's local model to a private one, so copying all parameters
is one memcpy and the optimizer runs on one vector.
"""
import ctypes
import multiprocessing as mp

import numpy as np

# Workers inherit the shared buffers by fork; nothing is pickled or copied.
mp_context = mp.get_context('fork')


def parameters_in_order(model):
    """The model's parameters in a fixed order (by name): the flat layout."""
    return [param for _, param in sorted(model.namedparams())]


def n_parameters(model):
    return sum(param.size for param in parameters_in_order(model))


def shared_array(size):
    """A float32 vector in shared memory, zero-filled, that forked workers see and write."""
    return np.frombuffer(mp_context.RawArray(ctypes.c_float, int(size)), np.float32)


def views_by_parameter(model, flat):
    """(parameter, the view of flat where it lies) for each of model's parameters, in the flat layout."""
    offset = 0
    for param in parameters_in_order(model):
        yield param, flat[offset:offset + param.size].reshape(param.shape)
        offset += param.size
    assert offset == flat.size, 'the flat buffer does not match the model'


def bind_parameters(model, flat, keep_values=True):
    """Make every parameter of model a view of flat, keeping the current values (written into flat),
    or, with keep_values=False, taking flat's."""
    for param, view in views_by_parameter(model, flat):
        if keep_values:
            view[...] = param.array
        param.array = view


def views_in(flat, model, params):
    """Views of flat (in model's flat layout) where each of params lies."""
    views = {id(param): view for param, view in views_by_parameter(model, flat)}
    return [views[id(param)] for param in params]


def flatten_parameters(model):
    """The model's parameters as one flat float32 vector, in the flat layout."""
    return np.concatenate([param.array.ravel() for param in parameters_in_order(model)]).astype(np.float32)


def gradients_in_order(params):
    """The gradients of params (parameters_in_order's list) as flat views, in the flat layout
    (zeros where there is none): the optimizer reads them where Chainer left them."""
    return [np.zeros(param.size, np.float32) if param.grad is None else param.grad.ravel() for param in params]


def weight_mask(model):
    """1 for weights, 0 for biases, in the flat layout (weight decay spares biases)."""
    return np.concatenate([np.full(param.size, float(param.ndim > 1), np.float32)
                           for param in parameters_in_order(model)])
