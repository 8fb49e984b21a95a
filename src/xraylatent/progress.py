"""Progress of long work, with an ETA: to a log, or as a bar on an interactive terminal."""

from __future__ import annotations

import sys
import time


def timing(start: float, done: int, total: int) -> str:
    """``"12 s elapsed, ETA 30 s"`` for ``done`` of ``total`` units begun at ``start`` (``time.perf_counter``)."""
    elapsed = time.perf_counter() - start
    eta = elapsed / done * (total - done) if done else float("nan")
    return f"{elapsed:.0f} s elapsed, ETA {eta:.0f} s"


class Progress:
    """Counts work units done out of ``total``.

    With a ``log`` (a workflow job), a line goes to it at most every ``every`` seconds and at the end. Without
    one, on an interactive terminal, a bar is redrawn in place on ``stream``; elsewhere nothing is shown.
    """

    def __init__(self, total: int, label: str, log=None, every: float = 10.0, stream=None):
        self.total, self.label, self.log, self.every = max(int(total), 0), label, log, every
        self.stream = sys.stderr if stream is None else stream
        self.bar = log is None and self.stream.isatty()
        self.done, self.start, self.last = 0, time.perf_counter(), -float("inf")

    def advance(self, units: int = 1) -> None:
        self.done = min(self.total, self.done + units)
        now = time.perf_counter()
        finished = self.done >= self.total
        if not (finished or now - self.last >= (0.2 if self.bar else self.every)):
            return
        self.last = now
        text = f"{self.label}: {self.done}/{self.total}, {timing(self.start, self.done, self.total)}"
        if self.log is not None:
            self.log.info(text)
        elif self.bar:
            filled = int(30 * self.done / self.total) if self.total else 30
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {text}" + ("\n" if finished else ""))
            self.stream.flush()
