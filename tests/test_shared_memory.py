"""Parameters and RMSProp statistics exist once, in shared memory, for every process."""
import numpy as np

from async_util import mp_context, parameters_in_order, weight_mask
from model_spec import ModelSpec
from models import make_model
from rmsprop_async import RMSpropAsync
from train_async import SharedTraining


def mapping_of(address):
    """The /proc/self/maps line of the memory region that holds address."""
    with open('/proc/self/maps') as f:
        for line in f:
            start, end = (int(x, 16) for x in line.split()[0].split('-'))
            if start <= address < end:
                return line.split()
    raise AssertionError(f'address {address:#x} is not mapped')


def updating_worker(shared, model_mask, updated, results):
    grad = np.ones_like(shared.params)
    RMSpropAsync(weight_mask=model_mask).update(shared.params, shared.stats, [grad], 1e-3)
    results.put(('updater', mapping_of(shared.params.ctypes.data), mapping_of(shared.stats.ctypes.data)))
    updated.set()


def reading_worker(shared, updated, results):
    # Started before the update: what it reads afterwards can only come through shared memory.
    updated.wait(timeout=60)
    results.put(('reader', shared.params[:10].copy(), shared.stats[:10].copy()))


def test_an_update_in_one_worker_is_seen_by_the_parent_and_another_worker():
    model = make_model(ModelSpec(4), False, np.random.RandomState(0))
    shared = SharedTraining(model)
    before = shared.params.copy()
    updated, results = mp_context.Event(), mp_context.Queue()
    reader = mp_context.Process(target=reading_worker, args=(shared, updated, results))
    reader.start()
    updater = mp_context.Process(target=updating_worker, args=(shared, weight_mask(model), updated, results))
    updater.start()
    messages = dict((message[0], message[1:]) for message in (results.get(timeout=60), results.get(timeout=60)))
    reader.join(timeout=60)
    updater.join(timeout=60)
    assert reader.exitcode == 0 and updater.exitcode == 0

    # The step by the formula: stats = 0.01 * 1, params -= lr * 1 / sqrt(0.01 + 0.1)
    # (the all-ones gradient has norm sqrt(n) > 40, so it is first scaled to norm 40).
    g = 40 / np.sqrt(before.size)
    expected_stats = np.float32(0.01 * g * g)
    np.testing.assert_allclose(shared.stats, expected_stats, rtol=1e-5)
    np.testing.assert_allclose(shared.params, before - 1e-3 * g / np.sqrt(expected_stats + 0.1), rtol=1e-5,
                               atol=1e-7)
    # The parent's model is the shared memory itself: it sees the worker's update.
    first = parameters_in_order(model)[0]
    np.testing.assert_array_equal(first.array.ravel(), shared.params[:first.size])
    assert not np.array_equal(first.array.ravel(), before[:first.size])
    reader_params, reader_stats = messages['reader']
    np.testing.assert_array_equal(reader_params, shared.params[:10])
    np.testing.assert_array_equal(reader_stats, shared.stats[:10])


def test_parameters_and_statistics_are_one_shared_mapping_not_per_process_copies():
    model = make_model(ModelSpec(4), True, np.random.RandomState(0))
    shared = SharedTraining(model)
    parent_params, parent_stats = mapping_of(shared.params.ctypes.data), mapping_of(shared.stats.ctypes.data)
    updated, results = mp_context.Event(), mp_context.Queue()
    worker = mp_context.Process(target=updating_worker, args=(shared, weight_mask(model), updated, results))
    worker.start()
    _, worker_params, worker_stats = results.get(timeout=60)
    worker.join(timeout=60)
    for parent, child in ((parent_params, worker_params), (parent_stats, worker_stats)):
        assert parent[1].endswith('s'), parent  # MAP_SHARED: writes reach the same pages
        assert child == parent  # same region, same backing file and inode in both processes
    # Every parameter of the parent's model is a view into the one shared vector.
    for param in model.params():
        assert np.shares_memory(param.array, shared.params)
