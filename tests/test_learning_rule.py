"""The learning rule against hand computations and against the original's formulation."""
import chainer
import chainer.functions as F
import numpy as np
import pytest

from a3c import A3C, a3c_loss, learning_rate, n_step_returns
from async_util import bind_parameters, n_parameters, parameters_in_order, weight_mask
from model_spec import ModelSpec
from models import make_model, phi
from rmsprop_async import RMSpropAsync
from training_stats import SUMS


def test_n_step_returns_with_bootstrap():
    returns = n_step_returns(np.array([1.0, 0.0, 2.0]), bootstrap_value=10.0, gamma=0.9)
    # R2 = 2 + 0.9 * 10 = 11; R1 = 0 + 0.9 * 11 = 9.9; R0 = 1 + 0.9 * 9.9 = 9.91
    np.testing.assert_allclose(returns, [9.91, 9.9, 11.0], rtol=1e-6)


def test_n_step_returns_at_a_terminal():
    returns = n_step_returns(np.array([1.0, 0.0, 2.0]), bootstrap_value=0.0, gamma=0.9)
    np.testing.assert_allclose(returns, [2.62, 1.8, 2.0], rtol=1e-6)


def test_loss_value_and_gradient_against_hand_computation():
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 1.0]], np.float32)
    values = np.array([0.5, -0.2], np.float32)
    actions = np.array([2, 0])
    returns = np.array([1.5, 0.3], np.float32)
    beta, v_loss_coef = 0.01, 0.5

    # The model's outputs carry one more row, the bootstrap state's: it must get no gradient.
    logits_var = chainer.Variable(np.concatenate([logits, [[0.3, 0.1, -0.2]]]).astype(np.float32))
    values_var = chainer.Variable(np.array([[0.5], [-0.2], [7.0]], np.float32))
    loss = a3c_loss(logits_var, values_var, actions, returns, beta, v_loss_coef)
    loss.backward()
    assert not logits_var.grad[2].any() and values_var.grad[2, 0] == 0

    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    log_p = np.log(p)
    entropy = -(p * log_p).sum(axis=1)
    advantage = returns - values  # [1.0, 0.5]
    expected = (-(log_p[[0, 1], actions] * advantage).sum() - beta * entropy.sum()
                + 0.25 * ((returns - values) ** 2).sum())
    assert float(loss.array) == pytest.approx(expected, rel=1e-5)

    onehot = np.eye(3)[actions]
    # d(-log p_a A)/dz = -(onehot - p) A;  d(-beta H)/dz_j = beta p_j (log p_j + H)
    expected_dlogits = -(onehot - p) * advantage[:, None] + beta * p * (log_p + entropy[:, None])
    np.testing.assert_allclose(logits_var.grad[:2], expected_dlogits, rtol=1e-4, atol=1e-6)
    # d(0.25 (R - V)^2)/dV = -0.5 (R - V); the advantage is held constant
    np.testing.assert_allclose(values_var.grad[:2, 0], -0.5 * (returns - values), rtol=1e-5)


def rmsprop_by_the_formula(params, stats, grad, lr, alpha=0.99, eps=0.1, clip=40.0, weight_decay=0.0, mask=None):
    params, stats, grad = (np.asarray(x, np.float64) for x in (params, stats, grad))
    norm = np.sqrt((grad ** 2).sum())
    if norm > clip:
        grad = grad * clip / norm
    if weight_decay:
        grad = grad + weight_decay * mask * params
    stats = alpha * stats + (1 - alpha) * grad ** 2
    return params - lr * grad / np.sqrt(stats + eps), stats


@pytest.mark.parametrize('scale, weight_decay', [(1.0, 0.0), (100.0, 0.0), (1.0, 1e-2), (100.0, 1e-2)])
def test_rmsprop_step_against_the_formula(scale, weight_decay):
    rng = np.random.RandomState(0)
    params = rng.randn(50).astype(np.float32)
    stats = rng.rand(50).astype(np.float32)
    grad = (scale * rng.randn(50)).astype(np.float32)  # scale 100: norm > 40, clipped
    mask = (np.arange(50) % 2).astype(np.float32)
    expected_params, expected_stats = rmsprop_by_the_formula(params, stats, grad, 7e-4,
                                                             weight_decay=weight_decay, mask=mask)
    RMSpropAsync(weight_decay=weight_decay, weight_mask=mask).update(params, stats, [grad.copy()], 7e-4)
    np.testing.assert_allclose(stats, expected_stats, rtol=1e-5)
    np.testing.assert_allclose(params, expected_params, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize('scale', [1.0, 100.0])
def test_rmsprop_compiled_pass_gives_numpys_float32_result_bit_for_bit(scale):
    rng = np.random.RandomState(0)
    params = rng.randn(100_003).astype(np.float32)  # not a multiple of any vector width
    stats = rng.rand(params.size).astype(np.float32)
    grad = (scale * rng.randn(params.size) / 300).astype(np.float32)
    norm = np.sqrt(np.dot(grad, grad))
    clip = min(1.0, 40.0 / float(norm))
    alpha, eps, lr = np.float32(0.99), np.float32(0.1), 7e-4
    # The scalars in float64, then rounded once, on numpy 1 and 2 alike.
    expected_stats = alpha * stats + grad * grad * np.float32((1 - float(alpha)) * clip * clip)
    expected_params = params - grad / np.sqrt(expected_stats + eps) * np.float32(lr * clip)
    assert RMSpropAsync().update(params, stats, [grad], lr) == pytest.approx(norm)
    assert np.array_equal(stats, expected_stats) and np.array_equal(params, expected_params)


@pytest.mark.parametrize('scale, weight_decay', [(1.0, 0.0), (100.0, 0.0), (100.0, 1e-2)])
def test_rmsprop_on_the_gradient_in_pieces_writes_the_same_parameters_to_shared_and_local(scale, weight_decay):
    rng = np.random.RandomState(0)
    params = rng.randn(1000).astype(np.float32)
    stats = rng.rand(params.size).astype(np.float32)
    grad = (scale * rng.randn(params.size) / 10).astype(np.float32)
    mask = (np.arange(params.size) % 3 > 0).astype(np.float32)
    optimizer = RMSpropAsync(weight_decay=weight_decay, weight_mask=mask)
    flat_params, flat_stats = params.copy(), stats.copy()
    flat_norm = optimizer.update(flat_params, flat_stats, [grad.copy()], 7e-4)
    local = np.zeros_like(params)
    pieces = [piece.copy() for piece in np.split(grad, [7, 300, 301, 640])]
    assert optimizer.update(params, stats, pieces, 7e-4, local=local) == pytest.approx(flat_norm, rel=1e-6)
    np.testing.assert_allclose(stats, flat_stats, rtol=1e-6)
    np.testing.assert_allclose(params, flat_params, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(local, params)


def test_rmsprop_refuses_a_gradient_of_another_size():
    params, stats = np.zeros(10, np.float32), np.zeros(10, np.float32)
    with pytest.raises(ValueError, match='9 entries'):
        RMSpropAsync().update(params, stats, [np.ones(4, np.float32), np.ones(5, np.float32)], 7e-4)
    assert not params.any() and not stats.any()  # refused before anything was written


def test_learning_rate_decays_linearly_to_zero_over_the_global_steps():
    assert learning_rate(0, 80_000_000, 7e-4) == pytest.approx(7e-4)
    assert learning_rate(20_000_000, 80_000_000, 7e-4) == pytest.approx(5.25e-4)
    assert learning_rate(40_000_000, 80_000_000, 7e-4) == pytest.approx(3.5e-4)
    assert learning_rate(80_000_000, 80_000_000, 7e-4) == 0.0
    assert learning_rate(80_000_002, 80_000_000, 7e-4) == 0.0


def original_style_gradient(model, states, actions, rewards, bootstrap_state, gamma, beta, v_loss_coef=0.5):
    """The original's formulation: one graph per acting step, the bootstrap from the acting
    state without advancing it, the loss summed in a loop, backward through all graphs."""
    recurrent_state = None
    log_probs, entropies, values = [], [], []
    for state, action in zip(states, actions):
        pout, v, recurrent_state = model(phi(state[None]), recurrent_state)
        log_probs.append(pout.log_prob([action]))
        entropies.append(pout.entropy)
        values.append(v)
    if bootstrap_state is None:
        R = 0.0
    else:
        with chainer.no_backprop_mode():
            R = float(model(phi(bootstrap_state[None]), recurrent_state)[1].array[0, 0])
    pi_loss, v_loss = 0, 0
    for i in reversed(range(len(states))):
        R = rewards[i] + gamma * R
        advantage = R - float(values[i].array[0, 0])
        pi_loss -= log_probs[i] * advantage
        pi_loss -= beta * entropies[i]
        v_loss += (values[i] - R) ** 2 / 2
    model.cleargrads()
    F.sum(pi_loss + v_loss_coef * v_loss).backward()
    return np.concatenate([(p.grad if p.grad is not None else np.zeros_like(p.array)).ravel()
                           for p in parameters_in_order(model)])


@pytest.mark.parametrize('use_lstm', [False, True])
@pytest.mark.parametrize('terminal', [False, True])
def test_agent_update_equals_the_original_formulation(use_lstm, terminal):
    rng = np.random.RandomState(1)
    model = make_model(ModelSpec(4), use_lstm, rng)
    shared_params = np.empty(n_parameters(model), np.float32)
    bind_parameters(model, shared_params)
    shared_stats = rng.rand(shared_params.size).astype(np.float32)
    initial_params, initial_stats = shared_params.copy(), shared_stats.copy()
    reference_model = make_model(ModelSpec(4), use_lstm, rng)
    reference_params = np.empty_like(initial_params)
    bind_parameters(reference_model, reference_params)
    reference_params[:] = initial_params

    t_max, gamma, beta, lr = 5, 0.99, 0.01, 7e-4
    local = make_model(ModelSpec(4), use_lstm, rng)
    agent = A3C(local, shared_params, shared_stats,
                RMSpropAsync(weight_mask=weight_mask(local)),
                np.random.RandomState(0), t_max=t_max, gamma=gamma, beta=beta, lr=lr)
    states = rng.randint(0, 256, (t_max + 1, 4, 84, 84)).astype(np.uint8)
    rewards = np.array([0.0, 1.0, 0.0, -1.0, 1.0], np.float32)
    actions = []
    n_acted = 3 if terminal else t_max  # a terminal may cut a segment short
    for i in range(n_acted):
        actions.append(agent.act_and_train(states[i], rewards[i - 1] if i else 0.0))
    if terminal:
        agent.stop_episode_and_train(rewards[n_acted - 1])
    else:
        agent.act_and_train(states[t_max], rewards[t_max - 1])  # trains, then acts on states[t_max]
    assert not np.array_equal(shared_params, initial_params)

    grad = original_style_gradient(reference_model, states[:n_acted], actions, rewards[:n_acted],
                                   None if terminal else states[t_max], gamma, beta)
    expected_params, expected_stats = rmsprop_by_the_formula(initial_params, initial_stats, grad, lr)
    np.testing.assert_allclose(shared_stats, expected_stats, rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(shared_params, expected_params, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(agent.local_params, shared_params)  # copied back after the update


@pytest.mark.parametrize('truncated', [False, True])
def test_a_truncated_episode_bootstraps_from_its_last_state_and_a_terminated_one_from_zero(truncated):
    rng = np.random.RandomState(3)
    spec = ModelSpec(2, 3, vector_input=True)
    model = make_model(spec, False, rng)
    shared_params = np.empty(n_parameters(model), np.float32)
    bind_parameters(model, shared_params)
    sums = np.zeros(len(SUMS))
    agent = A3C(make_model(spec, False, rng), shared_params, np.zeros_like(shared_params),
                RMSpropAsync(weight_mask=weight_mask(model)), np.random.RandomState(0), t_max=5, gamma=0.9, sums=sums)
    states = rng.standard_normal((3, 3)).astype(np.float32)
    with chainer.no_backprop_mode():
        values = model(states)[1].array[:, 0].astype(np.float64)  # the parameters that act
    agent.act_and_train(states[0], 0.0)
    agent.act_and_train(states[1], 1.0)
    agent.stop_episode_and_train(2.0, bootstrap_state=states[2] if truncated else None)
    last = values[2] if truncated else 0.0
    returns = [1.0 + 0.9 * (2.0 + 0.9 * last), 2.0 + 0.9 * last]
    assert sums[SUMS.index('advantage')] == pytest.approx(sum(returns) - values[0] - values[1], rel=1e-5)
