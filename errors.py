"""Bad input from the command line: one line naming the problem and the fix, exit 2."""
import argparse
import sys


class UsageError(Exception):
    """Raised for input the user can fix; the scripts print it on one line and exit 2."""


class WriteError(Exception):
    """A file could not be written (no space, quota, read-only file system, I/O error)."""

    def __init__(self, path, reason):
        self.path = path
        self.reason = reason  # e.g. 'No space left on device'
        super().__init__(f'could not write {path} ({reason})')

    @classmethod
    def from_os_error(cls, path, error):
        return cls(path, error.strerror or str(error))


class NonFiniteError(FloatingPointError):
    """Training produced inf or NaN: continuing, or saving it, would only spread it."""


def exit_with_usage_error(prog, error):
    print(f'{prog}: error: {error}', file=sys.stderr)
    sys.exit(2)


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with its errors on one line and exit status 2, and --help that starts with what the
    script does (the description) and ends with its example (the epilog, printed as written)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('formatter_class', argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def format_help(self):
        description, self.description = self.description, None
        try:
            text = super().format_help()
        finally:
            self.description = description
        return f'{description}\n\n{text}' if description else text

    def error(self, message):
        exit_with_usage_error(self.prog, f'{message} (see --help)')


def positive_int(text):
    value = int(float(text)) if _is_integral(text) else None
    if value is None or value <= 0:
        raise argparse.ArgumentTypeError(f'{text!r} is not a positive integer')
    return value


def non_negative_int(text):
    value = int(float(text)) if _is_integral(text) else None
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(f'{text!r} is not an integer >= 0')
    return value


def positive_float(text):
    value = _float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f'{text!r} is not a positive number')
    return value


def non_negative_float(text):
    value = _float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number >= 0')
    return value


def probability(text):
    value = _float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f'{text!r} is not a probability (a number from 0 to 1)')
    return value


def _float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None
    if value != value or value in (float('inf'), float('-inf')):
        raise argparse.ArgumentTypeError(f'{text!r} is not a finite number')
    return value


def _is_integral(text):
    """'8', '80000000' and '8e7' are integers; '2.5', 'two' and 'nan' are not."""
    try:
        value = float(text)
    except ValueError:
        return False
    return value == value and value not in (float('inf'), float('-inf')) and value == int(value)
