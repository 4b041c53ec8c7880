"""How much reading the web page does at once: a few long-lived reading threads and a short bounded queue.

Werkzeug serves every connection in a thread of its own. Left alone, 50 uploads at once are 50 pictures
decoded and read at once, and glibc keeps the freed image buffers of each thread's arena for later: the
server grew from 74 MB to 287 MB (docs/web.md, "Memory under load"). Here a request first takes one of
`workers + waiting` places — before its body is read — or is answered 503 with a Retry-After at once; the
decoding, reading and encoding then run in `workers` threads that live as long as the app, so only their
arenas ever hold picture-sized buffers.
"""
from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, TypeVar

from werkzeug.exceptions import ServiceUnavailable

T = TypeVar("T")


class Busy(ServiceUnavailable):
    """Every place is taken (503); `retry_after` (seconds) goes out as the Retry-After header."""


class Workers:
    """At most `workers` reads at once and `waiting` more queued behind them; any more are turned away."""

    def __init__(self, workers: int, waiting: int, retry_after_s: int):
        if workers < 1 or waiting < 0:
            raise ValueError(f"need at least one worker and no negative queue, not {workers} and {waiting}")
        self.retry_after_s = retry_after_s
        self._places = threading.BoundedSemaphore(workers + waiting)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="edge-web-read")

    @contextlib.contextmanager
    def place(self) -> Iterator[None]:
        """Hold a place for the block, or raise Busy at once when there is none."""
        if not self._places.acquire(blocking=False):
            raise Busy("the device is busy reading other pictures: try again in a moment",
                       retry_after=self.retry_after_s)
        try:
            yield
        finally:
            self._places.release()

    def run(self, job: Callable[..., T], *args) -> T:
        """`job(*args)` in a reading thread, once one is free; its result or its exception."""
        return self._pool.submit(job, *args).result()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
