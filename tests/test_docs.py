"""The front page and the docs: a short README, links that lead somewhere, and results that the
model folders give."""
import glob
import os
import re

import pytest

from conftest import ROOT, run_script

PAGES = sorted(['README.md', *(os.path.relpath(path, ROOT) for path in glob.glob(os.path.join(ROOT, 'docs', '*.md'))),
                *(os.path.relpath(path, ROOT) for path in glob.glob(os.path.join(ROOT, 'trained_model', '*', 'README.md'))),
                'trained_model/README.md', 'bench/README.md'])
LINK = re.compile(r'\]\(([^)\s]+)\)')


def read(page):
    with open(os.path.join(ROOT, page), encoding='utf-8') as f:
        return f.read()


def test_the_readme_is_a_front_page_of_at_most_10000_characters():
    assert len(read('README.md')) <= 10_000


@pytest.mark.parametrize('page', PAGES)
def test_every_relative_link_leads_to_a_file_of_the_repository(page):
    for target in LINK.findall(read(page)):
        if re.match(r'[a-z]+:', target) or target.startswith('#'):
            continue  # a web address, or a place in the page itself
        path = os.path.normpath(os.path.join(ROOT, os.path.dirname(page), target.split('#')[0]))
        assert os.path.exists(path), f'{page} links to {target}, which is not there'


def results_rows():
    """(folder, the row's cells) of the README's results table."""
    lines = read('README.md').split('## Results at a glance', 1)[1].split('\n## ', 1)[0].splitlines()
    rows = []
    for line in lines:
        match = re.match(r'\| \[`([\w-]+)`\]\(trained_model/\1/README.md\) \|(.*)\|$', line)
        if match:
            rows.append((match[1], [cell.strip() for cell in match[2].split('|')]))
    return rows


def figures(text):
    """The numbers of a cell that are results: not step counts (13M, 75k) and not what stands in
    parentheses (how many games a replay played)."""
    text = re.sub(r'\([^)]*\)', '', text)
    return [number.replace(',', '') for number in re.findall(r'(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\d.]*[Mk\w])', text)]


def test_the_results_table_has_a_row_for_every_model_folder():
    folders = {name for name in os.listdir(os.path.join(ROOT, 'trained_model'))
               if glob.glob(os.path.join(ROOT, 'trained_model', name, '*.h5'))}
    assert {folder for folder, _ in results_rows()} == folders


@pytest.mark.parametrize('folder, cells', results_rows())
def test_every_figure_of_the_results_table_is_in_its_model_folder(folder, cells):
    ours, replay = cells[2], cells[4]
    text = read(f'trained_model/{folder}/README.md').replace(',', '')
    checked = figures(ours) + figures(replay)
    assert checked, f'no figure read from the {folder} row'
    for figure in checked:
        assert re.search(rf'(?<![\d.]){re.escape(figure)}(?![\d])', text), \
            f'the README says {figure} for {folder}, its folder\'s README does not'


@pytest.mark.parametrize('script', ['a3c_ale.py', 'demo_a3c_ale.py', 'train_a3c_doom.py', 'demo_a3c_doom.py',
                                    'a3c_gym.py', 'demo_a3c_gym.py', 'sweep_a3c_ale.py', 'plot_scores.py'])
def test_help_starts_with_what_the_script_does_and_ends_with_an_example(script):
    result = run_script(script, '--help')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert not lines[0].startswith('usage:') and lines[0].endswith('.'), lines[0]
    assert lines[-2].strip() == 'example:' or 'example:' in lines[-3], lines[-3:]
    assert lines[-1].strip().startswith(script), lines[-1]
