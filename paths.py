"""Checks of the paths the scripts are given: a UsageError whose one line says what is wrong (a
directory where a file is expected, a file where a directory is expected, a file that is missing
or cannot be read or written) and what to give instead."""
import os
import tempfile

from errors import UsageError


def check_readable_file(path, what):
    """path must be an existing file this process can read. what: '--load', 'model', 'ROM', ..."""
    if os.path.isdir(path):
        raise UsageError(f'{what} {path!r} is a directory; give a file')
    if not os.path.exists(path):
        raise UsageError(f'{what} {path!r} does not exist; check the path')
    try:
        with open(path, 'rb') as f:
            f.read(1)
    except OSError as error:
        raise UsageError(f'{what} {path!r} cannot be read ({error.strerror}); fix its permissions or give '
                         'another file') from None


def check_readable_directory(path, what):
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f'{what} {path!r} is a file; give a directory')
    if not os.path.exists(path):
        raise UsageError(f'{what} {path!r} does not exist; check the path')
    try:
        os.listdir(path)
    except OSError as error:
        raise UsageError(f'{what} {path!r} cannot be read ({error.strerror}); fix its permissions') from None


def check_new_file(path, what):
    """path must not exist yet, and its directory must take a new file."""
    if os.path.isdir(path):
        raise UsageError(f'{what} {path!r} is a directory; give a new file name')
    if os.path.exists(path):
        raise UsageError(f'{what} {path!r} exists; give a new file name (nothing is overwritten)')
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f'the directory of {what} {path!r} does not exist; create it or give another path')
    check_writable_directory(directory, f'the directory of {what} {path!r}')


def check_writable_directory(path, what):
    """path, an existing directory, must take new files (a probe file is created and removed)."""
    if not os.path.isdir(path):
        raise UsageError(f'{what} {path!r} is a file; give a directory')
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix='.write_test_'):
            pass
    except OSError as error:
        raise UsageError(f'{what} {path!r} cannot be written ({error.strerror}); give a writable '
                         'directory') from None


def prepare_empty_directory(path, what):
    """prepare_output_directory, for a directory that must hold nothing yet: nothing is overwritten."""
    if os.path.isdir(path):
        check_readable_directory(path, what)
        if os.listdir(path):
            raise UsageError(f'{what} {path!r} already holds files; give a new or empty directory '
                             '(nothing is overwritten)')
    prepare_output_directory(path, what)


def prepare_output_directory(path, what):
    """Create path if needed (with its parents); it must be a directory that takes new files."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f'{what} {path!r} is a file; give a directory')
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise UsageError(f'{what} {path!r} cannot be created ({error.strerror}); give a writable '
                         'directory') from None
    check_writable_directory(path, what)
