"""--tensorboard: a run's statistics and evaluations as TensorBoard scalars, written by tensorboardX
(optional: requirements-tensorboard.txt) into RUN_DIR/tensorboard/, so that
`tensorboard --logdir results/` shows every run."""
import math
import os

from errors import UsageError
from run_dir import parse_score_row


def require_tensorboardx():
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise UsageError('--tensorboard needs the tensorboardX package: run `make setup-tensorboard` '
                         '(or `.venv/bin/pip install -r requirements-tensorboard.txt`)') from None
    return SummaryWriter


class TensorBoardLog:
    """Scalars train/<column> every stats row, eval/mean and eval/median every evaluation. A resumed
    run purges what was written after its checkpoint (TensorBoard's purge_step), so that no step is
    there twice."""

    def __init__(self, outdir, resumed_at=None):
        SummaryWriter = require_tensorboardx()
        self.writer = SummaryWriter(logdir=os.path.join(outdir, 'tensorboard'),
                                    purge_step=None if resumed_at is None else resumed_at + 1)
        self.scores_path = os.path.join(outdir, 'scores.txt')
        self.scores_read = os.path.getsize(self.scores_path) if os.path.exists(self.scores_path) else 0

    def scalars(self, group, values, step):
        for name, value in values.items():
            if isinstance(value, (int, float)) and math.isfinite(value):
                self.writer.add_scalar(f'{group}/{name}', value, step)
        self.writer.flush()

    def new_evaluations(self):
        """Log the rows scores.txt has gained since the last call."""
        try:
            with open(self.scores_path) as f:
                f.seek(self.scores_read)
                text = f.read()
        except OSError:
            return
        complete = text[:text.rfind('\n') + 1]  # a row being written waits for the next call
        self.scores_read += len(complete.encode())
        for line in complete.splitlines():
            row = parse_score_row(line)
            fields = line.split('\t')
            if row is not None:
                self.scalars('eval', {'mean': row[1], 'median': float(fields[3])}, row[0])

    def close(self):
        self.writer.close()
