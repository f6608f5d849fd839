"""The environment: the paper's preprocessing on the real ALE."""
import cv2
import numpy as np
import pytest
from ale_py import Action, ALEInterface

from ale import ALE, MAX_EPISODE_FRAMES, resolve_rom
from errors import UsageError

BREAKOUT = resolve_rom('breakout')


def test_observation_shape_dtype_and_actions():
    env = ALE(BREAKOUT, seed=0)
    assert env.state.shape == (4, 84, 84) and env.state.dtype == np.uint8
    assert env.number_of_actions == 4  # Breakout's minimal action set
    env.receive_action(1)
    assert env.state.shape == (4, 84, 84) and env.state.dtype == np.uint8
    assert isinstance(env.reward, float)


def test_stack_after_reset_is_three_zero_frames_and_the_current_frame():
    env = ALE(BREAKOUT, seed=0)
    for _ in range(10):
        env.receive_action(1)
    env.reset()
    assert not env.state[:3].any()
    assert env.state[3].any()


def test_stack_shifts_by_one_frame_per_step():
    env = ALE(BREAKOUT, seed=0)
    previous = env.state.copy()
    env.receive_action(1)
    np.testing.assert_array_equal(env.state[:3], previous[1:])


def luminance_by_hand(rgb):
    """ALE's grayscale formula (ColourPalette.cpp): round(0.2989 R + 0.5870 G + 0.1140 B)."""
    return np.floor(rgb.astype(np.float64) @ [0.2989, 0.5870, 0.1140] + 0.5).astype(np.uint8)


def test_luminance_of_one_frame_is_ales_own_grayscale():
    env = ALE(resolve_rom('pong'), seed=0)
    for action in [1, 2, 2, 1, 0, 2]:
        env.receive_action(action)
        np.testing.assert_array_equal(luminance_by_hand(env.ale.getScreenRGB()), env.ale.getScreenGrayscale())


def test_observation_is_luminance_of_the_rgb_max_of_the_last_two_of_four_frames_resized():
    # Pong: where the green paddle moves over the brown field, the max of the two RGB frames is a
    # colour of neither, so taking the max before or after the luminance gives different pixels.
    env = ALE(resolve_rom('pong'), seed=3)
    # A second emulator, started from the same state, stepped frame by frame by hand.
    twin = ALEInterface()
    twin.setFloat('repeat_action_probability', 0.0)
    twin.loadROM(resolve_rom('pong'))
    order_mattered = 0
    for action in [1, 2, 2, 2, 3, 3, 3, 1, 2, 2, 3, 3, 2, 2, 2, 2]:
        twin.restoreState(env.ale.cloneState())
        frames = []
        reward = 0
        for _ in range(4):
            reward += twin.act(env.legal_actions[action])
            frames.append(twin.getScreenRGB())
        env.receive_action(action)
        rgb_max = np.maximum(frames[2], frames[3])
        expected = cv2.resize(luminance_by_hand(rgb_max), (84, 84), interpolation=cv2.INTER_LINEAR)
        np.testing.assert_array_equal(env.state[-1], expected)
        assert env.reward == reward
        gray_max = np.maximum(luminance_by_hand(frames[2]), luminance_by_hand(frames[3]))
        order_mattered += int((gray_max != luminance_by_hand(rgb_max)).sum())
    assert order_mattered > 0  # the frames tested tell the two orders apart


def test_noop_starts_take_0_to_30_frames():
    env = ALE(BREAKOUT, seed=0, train=False)
    counts = set()
    for _ in range(400):
        env.reset()
        counts.add(env.episode_frames)  # after reset() these are the no-op frames
    assert min(counts) == 0 and max(counts) == 30
    assert len(counts) == 31


def play_until_terminal(env, rng):
    rewards = []
    env.reset()
    while not env.is_terminal:
        rewards.append(env.receive_action(rng.randint(env.number_of_actions)))
    return rewards


def test_life_loss_ends_a_training_episode_and_the_game_goes_on():
    env = ALE(BREAKOUT, seed=0, train=True)
    rng = np.random.RandomState(0)
    assert env.ale.lives() == 5
    play_until_terminal(env, rng)
    assert env.ale.lives() == 4 and not env.ale.game_over()
    env.reset()  # the next episode continues the same game
    assert env.ale.lives() == 4 and not env.is_terminal


# Breakout keeps its lives count at RAM address 0xB9 (index 0x39 of the 128 bytes ALE exposes).
BREAKOUT_LIVES_RAM = 0x39


def test_a_life_lost_after_a_bonus_life_ends_the_training_episode():
    env = ALE(BREAKOUT, seed=0, train=True)
    assert env.ale.lives() == 5
    env.ale.setRAM(BREAKOUT_LIVES_RAM, 6)  # a bonus life, as games such as Space Invaders award
    env.receive_action(0)
    assert env.ale.lives() == 6 and not env.is_terminal
    env.ale.setRAM(BREAKOUT_LIVES_RAM, 5)  # and that life is lost again
    env.receive_action(0)
    assert env.ale.lives() == 5 and not env.ale.game_over()
    assert env.is_terminal


def test_life_loss_does_not_end_an_evaluation_episode():
    env = ALE(BREAKOUT, seed=0, train=False)
    play_until_terminal(env, np.random.RandomState(0))
    assert env.ale.game_over() and env.ale.lives() == 0


def test_rewards_clipped_in_training_only():
    rom = resolve_rom('space_invaders')  # invaders are worth 5 to 30 points
    train_rewards = play_until_terminal(ALE(rom, seed=0, train=True), np.random.RandomState(0))
    eval_rewards = play_until_terminal(ALE(rom, seed=0, train=False), np.random.RandomState(0))
    assert set(train_rewards) <= {0.0, 1.0} and 1.0 in train_rewards
    assert max(eval_rewards) > 1


def test_episode_capped_at_108000_frames():
    # Breakout never starts without FIRE: a NOOP-only policy would play forever.
    env = ALE(BREAKOUT, seed=0, train=False)
    assert env.max_episode_frames == MAX_EPISODE_FRAMES == 108_000
    noop = env.legal_actions.index(Action.NOOP)
    steps = 0
    while not env.is_terminal:
        env.receive_action(noop)
        steps += 1
    assert env.episode_frames == 108_000 and not env.ale.game_over()
    assert steps * 4 >= 108_000 - 30 and steps <= 27_000


def test_game_ids_and_rom_paths():
    assert resolve_rom('breakout') == resolve_rom('Breakout') == BREAKOUT
    assert resolve_rom('SpaceInvaders') == resolve_rom('space_invaders')
    assert resolve_rom(BREAKOUT) == BREAKOUT


@pytest.mark.parametrize('rom, message', [
    ('breakot', 'did you mean breakout'),
    ('/no/such/rom.bin', 'does not exist'),
    ('/tmp', 'is a directory'),
])
def test_bad_roms_are_refused_with_a_hint(rom, message):
    with pytest.raises(UsageError, match=message):
        resolve_rom(rom)


def test_a_file_that_is_not_a_rom_is_refused(tmp_path):
    bogus = tmp_path / 'bogus.bin'
    bogus.write_bytes(b'not a rom' * 100)
    with pytest.raises(UsageError, match='not a ROM that ALE supports'):
        resolve_rom(str(bogus))
