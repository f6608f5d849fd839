"""Screens made into what the agent sees, shared by the environments: the stack of the last four
screens in grayscale at 84x84 (bilinear), the paper's Atari preprocessing, which ViZDoom's
grayscale-stack and Gymnasium's images take too; and screens written as PNG files (the demos'
--record-screen-dir)."""
import os

import cv2

# Parallelism comes from worker processes; OpenCV's own thread pool would oversubscribe the cores.
cv2.setNumThreads(1)

SCREEN_SIZE = 84
N_STACKED_FRAMES = 4


def push_frame(stack, gray):
    """Shift stack (frames, 84, 84) one frame older and resize gray (height, width) uint8 into its
    newest frame."""
    stack[:-1] = stack[1:]
    cv2.resize(gray, (SCREEN_SIZE, SCREEN_SIZE), dst=stack[-1], interpolation=cv2.INTER_LINEAR)


def write_screen(directory, index, rgb):
    """rgb (height, width, 3) uint8 as directory/<index, 6 digits>.png."""
    cv2.imwrite(os.path.join(directory, f'{index:06d}.png'), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
