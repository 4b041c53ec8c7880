"""A one-line progress bar on stderr: no extra dependencies, redrawn at most a few times a second."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """`with Progress(total, "even") as bar: ... bar.update()` draws `even [#####.....] 50/100 3s`."""

    def __init__(self, total: int, label: str, width: int = 30, stream: TextIO = sys.stderr, interval_s: float = 0.2):
        self.total, self.label, self.width, self.stream, self.interval_s = max(total, 1), label, width, stream, interval_s
        self.done = 0
        self.start = self.last = time.perf_counter()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self.last >= self.interval_s or self.done >= self.total:
            self.last = now
            self.draw(now)

    def draw(self, now: float) -> None:
        filled = round(self.width * min(self.done, self.total) / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label:<24} [{bar}] {self.done}/{self.total} {now - self.start:5.1f}s")
        self.stream.flush()

    def __enter__(self) -> Progress:
        self.draw(self.start)
        return self

    def __exit__(self, *exc) -> None:
        self.draw(time.perf_counter())
        self.stream.write("\n")
        self.stream.flush()
