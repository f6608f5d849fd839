"""plot_scores.py: learning curves as PNG files."""
import struct

from conftest import run_script

SCORES = 'steps\telapsed\tmean\tmedian\tstdev\n1000\t10.0\t1.5\t1.0\t0.5\n2000\t20.0\t3.0\t3.0\t1.0\n3000\t30.0\t2.0\t2.0\t0.0\n'


def png_size(path):
    with open(path, 'rb') as f:
        header = f.read(24)
    assert header[:8] == b'\x89PNG\r\n\x1a\n'
    return struct.unpack('>II', header[16:24])


def test_plot_of_a_run_directory_goes_beside_its_scores(tmp_path):
    run = tmp_path / 'run'
    run.mkdir()
    (run / 'scores.txt').write_text(SCORES)
    result = run_script('plot_scores.py', str(run))
    assert result.returncode == 0, result.stderr
    assert png_size(run / 'scores.txt.png') == (800, 500)


def test_several_runs_and_a_reference_on_one_plot(tmp_path):
    for name in ('a', 'b', 'reference'):
        (tmp_path / f'{name}.txt').write_text(SCORES)
    result = run_script('plot_scores.py', str(tmp_path / 'a.txt'), str(tmp_path / 'b.txt'),
                        '--reference', str(tmp_path / 'reference.txt'), '-o', str(tmp_path / 'both.png'))
    assert result.returncode == 0, result.stderr
    assert png_size(tmp_path / 'both.png') == (800, 500)


def test_missing_or_empty_scores_are_refused(tmp_path):
    result = run_script('plot_scores.py', str(tmp_path / 'nothing'))
    assert result.returncode == 2 and 'is not a scores.txt file' in result.stderr
    (tmp_path / 'scores.txt').write_text(SCORES.splitlines()[0] + '\n')
    result = run_script('plot_scores.py', str(tmp_path))
    assert result.returncode == 2 and 'has no evaluation yet' in result.stderr


def test_runs_are_named_by_label_or_by_their_directory(tmp_path):
    from plot_scores import plot
    for name in ('a', 'b'):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'scores.txt').write_text(SCORES)
    runs = [str(tmp_path / 'a' / 'scores.txt'), str(tmp_path / 'b' / 'scores.txt')]
    assert plot(runs, str(tmp_path / 'named.png')) == ['a (mean)', 'a (median)', 'b (mean)', 'b (median)']
    assert plot(runs, str(tmp_path / 'labelled.png'), labels=['RGB', 'grayscale'])[::2] == ['RGB (mean)',
                                                                                           'grayscale (mean)']
    result = run_script('plot_scores.py', *runs, '--label', 'only one', '-o', str(tmp_path / 'x.png'))
    assert result.returncode == 2 and '1 --label for 2 runs' in result.stderr


def test_a_run_with_training_statistics_gets_a_panel_each(tmp_path):
    run = tmp_path / 'run'
    run.mkdir()
    (run / 'scores.txt').write_text(SCORES)
    (run / 'stats.csv').write_text('steps,elapsed,steps_per_s,lr,entropy,value,advantage,policy_loss,value_loss,'
                                   'grad_norm,clipped,episodes,episode_reward\n'
                                   '10000,10,1000,0.0007,1.38,0.01,0.001,0.1,0.01,2.5,0,20,0.5\n'
                                   '20000,20,1010,0.0007,1.30,0.05,0.002,0.2,0.02,3.5,0.01,25,\n')
    result = run_script('plot_scores.py', str(run))
    assert result.returncode == 0, result.stderr
    assert png_size(run / 'scores.txt.png') == (1200, 800)  # scores, entropy, value, steps/s
    reference = tmp_path / 'muupan_scores.txt'  # the original's files have no statistics: one panel
    reference.write_text(SCORES)
    assert run_script('plot_scores.py', str(reference)).returncode == 0
    assert png_size(tmp_path / 'muupan_scores.txt.png') == (800, 500)
