"""Process-wide settings for the numeric libraries on a shared server."""

from __future__ import annotations

import ctypes
import gc
import os
import threading
import time

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


TIDY_SECONDS = 10.0


def release_free_memory() -> bool:
    """Hand memory that Python and NumPy have freed back to the operating system.

    glibc keeps freed blocks for reuse: after 30 students' runs overlap, a server holds
    on to the peak for good, although the sessions that needed it have gone.
    ``malloc_trim(0)`` returns the free pages of every arena. It is a no-op elsewhere
    (macOS, musl); returns whether it ran.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
    return True


def tidy_memory() -> float:
    """Free what closed sessions left in reference cycles, then return it to the system.

    Streamlit's collection after every run is switched off (it costs ~170 ms of held
    GIL per rerun with torch loaded), and Python's own collector rarely reaches the
    oldest generation, where a closed session's cycles (session ↔ script runner ↔ page
    namespace) end up, holding its pictures. One full collection every
    :data:`TIDY_SECONDS` frees them. Returns the seconds it took.
    """
    started = time.perf_counter()
    gc.collect()
    release_free_memory()
    return time.perf_counter() - started


def start_memory_tidier(every: float = TIDY_SECONDS) -> threading.Thread:
    """A daemon thread that calls :func:`tidy_memory` every ``every`` seconds."""
    if every <= 0:
        raise ValueError(f"every must be positive, got {every}")

    def tidy_forever() -> None:
        while True:
            time.sleep(every)
            tidy_memory()

    thread = threading.Thread(target=tidy_forever, name="memory-tidier", daemon=True)
    thread.start()
    return thread
