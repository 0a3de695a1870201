"""A server-wide limit on how many sessions train at once, with a fair waiting line."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class SlotStatus:
    """Where one session stands: training now, or waiting at a place in the line."""

    training: bool
    place_in_line: int  # 0 while training; 1 for the next to start, and so on
    capacity: int


class TrainerSlots:
    """Lets at most ``capacity`` sessions train at the same time; the others wait in order.

    A session asks with :meth:`request` every time it wants to run a training step.
    The first ``capacity`` sessions in line hold a slot; a holder gives it back with
    :meth:`release` (Stop, done, or the tab closed). A holder that has not asked again
    for ``idle_seconds`` (its tab is gone) loses its slot to the next in line, so a
    closed tab cannot block the class.

    Parameters
    ----------
    capacity : int
        How many sessions may train at once, at least 1.
    idle_seconds : float, optional
        How long a holder may stay silent before its slot is taken back.

    Examples
    --------
    >>> slots = TrainerSlots(1)
    >>> slots.request("a").training, slots.request("b").place_in_line
    (True, 1)
    >>> slots.release("a"); slots.request("b").training
    True
    """

    def __init__(self, capacity: int, *, idle_seconds: float = 10.0) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a whole number >= 1, got {capacity!r}")
        if not idle_seconds > 0:
            raise ValueError(f"idle_seconds must be above 0, got {idle_seconds!r}")
        self.capacity = capacity
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._line: OrderedDict[str, float] = OrderedDict()  # session → last time it asked

    def request(self, session: str, *, now: float | None = None) -> SlotStatus:
        """Join the line (or stay in it) and say whether this session may train now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._drop_idle_holders(now)
            self._line[session] = now
            place = list(self._line).index(session)
            training = place < self.capacity
            return SlotStatus(training, 0 if training else place - self.capacity + 1, self.capacity)

    def release(self, session: str) -> None:
        """Leave the line, freeing a slot if this session held one."""
        with self._lock:
            self._line.pop(session, None)

    def training_sessions(self) -> int:
        """How many sessions hold a slot right now."""
        with self._lock:
            return min(len(self._line), self.capacity)

    def _drop_idle_holders(self, now: float) -> None:
        holders = list(self._line)[: self.capacity]
        for session in holders:
            if now - self._line[session] > self.idle_seconds:
                del self._line[session]
