"""Animations: the GIF writer, and the demo's --gif."""
import numpy as np
from PIL import Image

from animation import GifRecorder, frame_durations
from conftest import run_script
from model_spec import ModelSpec
from models import make_model, save_model


def distinct_screens(n, height=210, width=160):
    screens = np.zeros((n, height, width, 3), np.uint8)
    for i in range(n):
        screens[i, i, :, :] = (200, 72, 72)  # a red line that moves down: no two alike
    return screens


def gif_durations(path):
    with Image.open(path) as animation:
        durations = []
        for frame in range(animation.n_frames):
            animation.seek(frame)
            durations.append(animation.info['duration'])
        return animation.size, durations


def test_frame_durations_keep_time_in_gif_units():
    durations = frame_durations(15, 15.0)  # one second at Atari's 15 agent steps per second
    assert sum(durations) == 1000 and all(d % 10 == 0 and d in (60, 70) for d in durations)


def test_recorder_writes_every_screen_at_the_games_pace(tmp_path):
    recorder = GifRecorder(str(tmp_path / 'a.gif'), steps_per_second=15)
    for screen in distinct_screens(30):
        recorder.add(screen)
    assert recorder.write() == 30
    size, durations = gif_durations(tmp_path / 'a.gif')
    assert size == (160, 210) and len(durations) == 30 and sum(durations) == 2000
    with Image.open(tmp_path / 'a.gif') as animation:
        animation.seek(7)
        red_row = np.asarray(animation.convert('RGB'))[7]
        assert (red_row == (200, 72, 72)).all()  # the colours survive the palette


def test_a_speedup_drops_frames_rather_than_go_under_20_ms(tmp_path):
    recorder = GifRecorder(str(tmp_path / 'b.gif'), steps_per_second=15, speedup=4)  # 60 screens/s
    for screen in distinct_screens(30):
        recorder.add(screen)
    assert recorder.keep_every == 2 and recorder.frames_per_second == 30
    assert recorder.write() == 15
    _, durations = gif_durations(tmp_path / 'b.gif')
    assert len(durations) == 15 and sum(durations) == 500 and min(durations) >= 20


def test_demo_writes_the_first_episode_as_a_gif_and_never_overwrites(tmp_path):
    model = tmp_path / 'model.h5'
    save_model(str(model), make_model(ModelSpec(6), False, np.random.RandomState(0)))  # Pong's 6 actions
    gif = tmp_path / 'pong.gif'
    result = run_script('demo_a3c_ale.py', 'pong', str(model), '--n-runs', '1', '--gif', str(gif))
    assert result.returncode == 0, result.stderr
    wrote = [line for line in result.stdout.splitlines() if line.startswith('wrote ')]
    n_frames = int(wrote[0].split()[1])
    size, durations = gif_durations(gif)
    assert size == (160, 210)
    # Pillow merges a screen with the next when they are alike, adding up their durations.
    assert n_frames >= len(durations) > n_frames // 2
    assert sum(durations) == sum(frame_durations(n_frames, 15.0))
    assert n_frames > 21 * 30  # a whole game of Pong: at least 21 points, each longer than 30 steps
    before = gif.read_bytes()
    again = run_script('demo_a3c_ale.py', 'pong', str(model), '--n-runs', '1', '--gif', str(gif))
    assert again.returncode == 2 and 'exists' in again.stderr
    assert gif.read_bytes() == before
