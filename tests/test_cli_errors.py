"""Bad input: one line naming the problem and the fix, exit status 2, nothing written."""
import os

import numpy as np
import pytest

from conftest import run_script
from model_spec import ModelSpec
from models import make_model, save_model


def assert_usage_error(result, *fragments):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert 'Traceback' not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize('argv, fragments', [
    (['0', 'breakout'], ["'0' is not a positive integer"]),
    (['two', 'breakout'], ["'two' is not a positive integer"]),
    (['2', 'breakot'], ["unknown game id 'breakot'", 'did you mean breakout']),
    (['2', '/no/such/game.bin'], ['does not exist']),
    (['2', 'breakout', '--steps', '-5'], ['--steps', 'not a positive integer']),
    (['2', 'breakout', '--lr', '0'], ['--lr', 'not a positive number']),
    (['2', 'breakout', '--beta', '-1'], ['--beta', 'not a number >= 0']),
    (['2', 'breakout', '--t-max', '0'], ['--t-max', 'not a positive integer']),
    (['2', 'breakout', '--eval-frequency', '0'], ['--eval-frequency', 'not a positive integer']),
    (['2', 'breakout', '--eval-n-runs', '-1'], ['--eval-n-runs', 'not a positive integer']),
    (['2', 'breakout', '--weight-decay', '-0.1'], ['--weight-decay', 'not a number >= 0']),
    (['2', 'breakout', '--checkpoint-frequency', '0'], ['--checkpoint-frequency', 'not a positive integer']),
    (['2.5', 'breakout'], ["'2.5' is not a positive integer"]),
    (['2'], ['PROCESSES and ROM are required']),
])
def test_training_refuses_bad_arguments(tmp_path, argv, fragments):
    outdir = tmp_path / 'run'
    assert_usage_error(run_script('a3c_ale.py', *argv, '--outdir', str(outdir)), *fragments)
    assert not outdir.exists()


def test_a_rom_that_is_a_directory_or_not_a_rom_is_refused(tmp_path):
    assert_usage_error(run_script('a3c_ale.py', '2', str(tmp_path)), 'is a directory')
    bogus = tmp_path / 'bogus.bin'
    bogus.write_bytes(b'\0' * 4096)
    assert_usage_error(run_script('a3c_ale.py', '2', str(bogus), '--outdir', str(tmp_path / 'run')),
                       'not a ROM that ALE supports')
    assert not (tmp_path / 'run').exists()


def test_an_outdir_that_cannot_be_written_is_refused(tmp_path):
    blocker = tmp_path / 'a_file'
    blocker.write_text('')
    assert_usage_error(run_script('a3c_ale.py', '1', 'breakout', '--outdir', str(blocker / 'run')),
                       '--outdir', 'cannot be created (Not a directory)', 'give a writable directory')
    assert_usage_error(run_script('a3c_ale.py', '1', 'breakout', '--outdir', str(blocker)), 'is a file')


def model_files(tmp_path):
    """A model for each way a model file can be wrong."""
    ff = str(tmp_path / 'ff.h5')
    save_model(ff, make_model(ModelSpec(4), False, np.random.RandomState(0)))
    truncated = tmp_path / 'truncated.h5'
    truncated.write_bytes(open(ff, 'rb').read()[:100_000])
    text = tmp_path / 'text.h5'
    text.write_text('not a model')
    return ff, str(truncated), str(text)


@pytest.mark.parametrize('script', ['a3c_ale.py', 'demo_a3c_ale.py'])
def test_bad_model_files_are_refused(tmp_path, script):
    ff, truncated, text = model_files(tmp_path)

    def run(rom, model, *extra):
        if script == 'a3c_ale.py':
            return run_script(script, '1', rom, '--load', model, '--outdir', str(tmp_path / 'run'), *extra)
        return run_script(script, rom, model, *extra)
    assert_usage_error(run('breakout', str(tmp_path / 'missing.h5')), 'does not exist')
    assert_usage_error(run('breakout', text), 'is not an A3C model file')
    assert_usage_error(run('breakout', truncated), 'is not an A3C model file')
    assert_usage_error(run('breakout', ff, '--use-lstm'), 'holds an A3C FF model', 'drop --use-lstm')
    assert_usage_error(run('pong', ff), 'for 4 actions but this game has 6')
    assert not (tmp_path / 'run').exists()


def test_use_sdl_without_a_display_is_a_clear_error(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ('DISPLAY', 'WAYLAND_DISPLAY')}
    result = run_script('a3c_ale.py', '1', 'breakout', '--use-sdl', '--outdir', str(tmp_path / 'run'), env=env)
    assert_usage_error(result, '--use-sdl needs a display', 'DISPLAY is not set')
    result = run_script('demo_a3c_ale.py', 'breakout', 'model.h5', '--use-sdl', env=env)
    assert_usage_error(result, '--use-sdl needs a display')


def test_an_outdir_holding_an_earlier_run_is_refused_and_left_alone(tmp_path):
    outdir = tmp_path / 'run'
    outdir.mkdir()
    (outdir / 'scores.txt').write_text('steps\telapsed\tmean\tmedian\tstdev\n1\t2\t3\t4\t5\n')
    result = run_script('a3c_ale.py', '1', 'breakout', '--outdir', str(outdir))
    assert_usage_error(result, 'already holds files of an earlier run')
    assert os.listdir(outdir) == ['scores.txt']
    assert (outdir / 'scores.txt').read_text().endswith('1\t2\t3\t4\t5\n')
