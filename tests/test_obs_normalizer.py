"""--normalize-obs (obs_normalizer.py) and the continuous-action model's separate value torso."""
import chainer
import h5py
import numpy as np
import pytest

from a3c import A3C
from async_util import bind_parameters, n_parameters, weight_mask
from model_spec import ModelSpec
from models import inspect_model_file, load_model, make_model, save_model
from obs_normalizer import CLIP, ObservationNormalizer, observe
from rmsprop_async import RMSpropAsync

SPEC = ModelSpec(2, 3, vector_input=True, continuous=True, normalize_observations=True)


def test_running_statistics_are_the_mean_and_variance_of_all_observations():
    rng = np.random.RandomState(0)
    observations = (rng.standard_normal((3000, 3)) * [1, 5, 20] + [0, 3, -7]).astype(np.float32)
    normalizer = ObservationNormalizer(3)
    for x in observations:
        observe(normalizer.count.array, normalizer.mean.array, normalizer.var.array, x)
    assert normalizer.count.array[0] == 3000
    np.testing.assert_allclose(normalizer.mean.array, observations.mean(axis=0), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(normalizer.var.array, observations.var(axis=0), rtol=1e-3)
    normalized = normalizer(observations)
    assert normalized.dtype == np.float32
    np.testing.assert_allclose(normalized.mean(axis=0), 0, atol=1e-3)
    np.testing.assert_allclose(normalized.std(axis=0), 1, rtol=1e-3)
    far = normalizer(np.array([[1e6, -1e6, 0]], np.float32))
    np.testing.assert_array_equal(far[0, :2], [CLIP, -CLIP])


def test_acting_adds_each_state_to_the_shared_statistics_and_the_update_leaves_them_alone():
    rng = np.random.RandomState(1)
    model = make_model(SPEC, False, rng)
    shared_params = np.empty(n_parameters(model), np.float32)
    bind_parameters(model, shared_params)
    normalizer = model.normalizer
    agent = A3C(make_model(SPEC, False, rng), shared_params, np.zeros_like(shared_params),
                RMSpropAsync(weight_mask=weight_mask(model)), np.random.RandomState(0), t_max=5, beta=1e-4)
    states = (rng.standard_normal((12, 3)) * 4 + 2).astype(np.float32)
    before = shared_params.copy()
    for i, state in enumerate(states):
        agent.act_and_train(state, 0.5)  # updates after the 5th and 10th states
    assert normalizer.count.array[0] == 12
    np.testing.assert_allclose(normalizer.mean.array, states.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(normalizer.var.array, states.var(axis=0), rtol=1e-4)
    trained = np.ones_like(shared_params, bool)
    offset = 0
    for param in sorted(model.namedparams()):
        if param[0].startswith(f'/{len(model) - 1}/'):  # the statistics: the model's last link
            trained[offset:offset + param[1].size] = False
        offset += param[1].size
    assert not np.array_equal(shared_params[trained], before[trained])  # the updates trained the rest
    # the worker's copy after its last update (10 states) holds the statistics of those 10
    local = agent.model.normalizer
    assert local.count.array[0] == 10
    np.testing.assert_allclose(local.mean.array, states[:10].mean(axis=0), rtol=1e-5)


def test_the_statistics_travel_in_the_model_file_and_the_demo_reads_them(tmp_path):
    model = make_model(SPEC, False, np.random.RandomState(2))
    model.normalizer.count.array[:] = 7
    model.normalizer.mean.array[:] = [1, 2, 3]
    model.normalizer.var.array[:] = [4, 5, 6]
    path = str(tmp_path / 'model.h5')
    save_model(path, model)
    assert inspect_model_file(path) == (False, SPEC)
    plain = ModelSpec(2, 3, vector_input=True, continuous=True)
    loaded = load_model(path, plain)  # the demo's environment does not say; the file does
    np.testing.assert_array_equal(loaded.normalizer.mean.array, [1, 2, 3])
    np.testing.assert_array_equal(loaded.normalizer.var.array, [4, 5, 6])
    x = np.array([[3, 2, 1]], np.float32)
    with chainer.no_backprop_mode():
        np.testing.assert_allclose(loaded(x)[1].array, model(x)[1].array)
    save_model(str(tmp_path / 'plain.h5'), make_model(plain, False, np.random.RandomState(2)))
    assert inspect_model_file(str(tmp_path / 'plain.h5')) == (False, plain)


def test_a_continuous_ff_models_policy_and_value_share_no_parameters(tmp_path):
    spec = ModelSpec(2, 3, vector_input=True, continuous=True)
    model = make_model(spec, False, np.random.RandomState(3))
    x = np.random.RandomState(4).standard_normal((4, 3)).astype(np.float32)
    model.cleargrads()
    pout, value, _ = model(x)
    (chainer.functions.sum(pout.mean) + chainer.functions.sum(pout.var)).backward()
    assert model.head[0].W.grad is not None and model.v_head[0].W.grad is None
    model.cleargrads()
    chainer.functions.sum(model(x)[1]).backward()
    assert model.v_head[0].W.grad is not None and model.head[0].W.grad is None
    path = str(tmp_path / 'model.h5')
    save_model(path, model)
    with h5py.File(path, 'r') as f:
        assert sorted(f) == ['0', '1', '2', '3'] and f['3/0/W'].shape == (200, 3)  # 3: the value's torso
    discrete = make_model(ModelSpec(2, 3, vector_input=True), False, np.random.RandomState(3))
    assert discrete.v_head is None and len(discrete) == 3  # the original's layout: one torso


def test_normalize_obs_refuses_image_observations():
    pytest.importorskip('gymnasium', reason='gymnasium is not installed (make setup-gym installs it)')
    pytest.importorskip('minigrid', reason='minigrid is not installed (make setup-gym installs it)')
    from errors import UsageError
    from gym_env import GymEnv
    with pytest.raises(UsageError, match='--normalize-obs is for vector observations, but MiniGrid-MemoryS7-v0 '
                                         'gives images; drop it'):
        GymEnv('MiniGrid-MemoryS7-v0', seed=0, normalize_obs='on')
    assert GymEnv('MiniGrid-MemoryS7-v0', seed=0, normalize_obs='on', minigrid_obs='symbols').model_spec == \
        ModelSpec(7, 147, vector_input=True, normalize_observations=True)
