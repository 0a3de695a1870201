"""Process-wide settings for the numeric libraries on a shared server."""

from __future__ import annotations

import os

import cv2
import torch

THREADS_ENV = "EXPLORER_THREADS"
TRAINERS_ENV = "EXPLORER_MAX_TRAINERS"
DEFAULT_TRAINERS = 2


def default_threads() -> int:
    """Threads per numeric call: ``$EXPLORER_THREADS``, else the cores shared among the trainers.

    Many students share one server, so one request must not take every core: with
    ``max_trainers()`` sessions training at once, each gets ``cores // max_trainers()``
    threads (1 to 2). More threads than cores makes torch's threads wait on each other,
    which was several times slower than one thread each when two runs overlapped.
    """
    configured = os.environ.get(THREADS_ENV, "")
    if configured.isdigit() and int(configured) >= 1:
        return int(configured)
    return max(1, min(2, (os.cpu_count() or 1) // max_trainers()))


def configure_threads(threads: int | None = None) -> int:
    """Set torch's and OpenCV's thread counts once, at start-up; returns the count used."""
    threads = default_threads() if threads is None else threads
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    return threads


def max_trainers() -> int:
    """How many sessions may train at once: ``$EXPLORER_MAX_TRAINERS``, else 2.

    Training keeps a core busy; the rest of the class waits in line rather than
    slowing every run down.
    """
    configured = os.environ.get(TRAINERS_ENV, "")
    if configured.isdigit() and int(configured) >= 1:
        return int(configured)
    return DEFAULT_TRAINERS
