"""An episode as an animated GIF, for a README: Pillow writes the file."""
import io
import math

from PIL import Image

from atomic_files import write_bytes

MIN_FRAME_MS = 20  # browsers show GIF frames shorter than this for 100 ms: drop frames instead


def frame_durations(n_frames, frames_per_second):
    """Delays in ms, in GIF's unit of 10 ms, whose running sum keeps time with frames_per_second."""
    ends = [round(i * 100 / frames_per_second) * 10 for i in range(n_frames + 1)]
    return [end - start for start, end in zip(ends, ends[1:])]


class GifRecorder:
    """Collects an episode's screens and writes them as a looping GIF.

    steps_per_second is the game's pace (one screen per agent step); speedup > 1
    plays it faster. Where a frame would last less than MIN_FRAME_MS, only every
    k-th screen is kept.
    """

    def __init__(self, path, steps_per_second, speedup=1.0):
        self.path = path
        self.keep_every = max(1, math.ceil(MIN_FRAME_MS / 1000 * steps_per_second * speedup))
        self.frames_per_second = steps_per_second * speedup / self.keep_every
        self.frames = []
        self.n_screens = 0

    def add(self, rgb_screen):
        if self.n_screens % self.keep_every == 0:
            # Palette images: a quarter of the memory, and exact for Atari's 128 colours.
            self.frames.append(Image.fromarray(rgb_screen).quantize(
                colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE))
        self.n_screens += 1

    def write(self):
        """Write the GIF, whole or not at all (WriteError); return its number of frames."""
        first, *rest = self.frames
        buffer = io.BytesIO()
        first.save(buffer, format='GIF', save_all=True, append_images=rest, loop=0, optimize=False,
                   duration=frame_durations(len(self.frames), self.frames_per_second))
        write_bytes(self.path, buffer.getvalue(), overwrite=False)  # never over a file that appeared meanwhile
        return len(self.frames)
