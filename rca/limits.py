"""Wall-clock limits on work that record data can make arbitrarily long.

Two limits nest: the per-case limit (`rca render/build/watch --time-limit`,
default 120 s) around everything one case costs, and narrower ones inside it
(WeasyPrint's layout, `RCA_RENDER_SECONDS`). One interval timer serves them
all, always armed for the nearest deadline, and the signal it raises names
the limit that expired, so an inner `with` never swallows an outer limit.

SIGALRM interrupts Python code and waits on subprocesses (`subprocess.run`
kills its child when interrupted). A single C call that never returns to the
interpreter is only stopped when it does; a batch worker stuck like that is
killed by its parent (rca.batch) a little after the limit.

The signal can land where its exception is lost: in a finaliser (`__del__`,
a weakref callback), whose exceptions Python discards, or under a library's
bare `except:` (networkx's graph conversion has one). So an expired limit
keeps firing every RETRY seconds until its `with` has caught it, and while
limits are armed the discarded ones are not printed as "Exception ignored".
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rca.errors import TimeLimitError

DEFAULT_CASE_SECONDS = 120.0
RETRY = 0.05  # seconds between signals for a limit that expired and was not yet caught
_tokens = itertools.count(1)


@dataclass
class _Limit:
    token: int
    expires: float  # time.monotonic()
    fired: bool = False  # its exception was raised at least once
    retry: float = 0.0  # when to raise it again if it has not arrived (time.monotonic())


_active: list[_Limit] = []


class _Expired(BaseException):
    # A BaseException, so that no `except Exception` in rendering code (or in a
    # library) can swallow it on its way out to the `with` that set the limit.
    def __init__(self, token: int) -> None:
        super().__init__(token)
        self.token = token


def _usable() -> bool:
    return hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()


def _next(limit: _Limit) -> float:
    return limit.retry if limit.fired else limit.expires


def _arm() -> None:
    if not _active:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    remaining = min(_next(limit) for limit in _active) - time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, max(remaining, 0.001))


def _expire(signum: int, frame: object) -> None:
    now = time.monotonic()
    due = [limit for limit in _active if _next(limit) <= now]
    if not due:  # a stray or early signal: wait for the nearest deadline
        _arm()
        return
    # The outermost expired limit wins: its `with` is the one that must end.
    limit = due[0]
    limit.retry = now + RETRY
    on_its_way = isinstance(sys.exc_info()[1], (_Expired, TimeLimitError))
    _arm()
    if limit.fired and on_its_way:
        return  # being handled right now (a `with` exiting): raising again would escape it
    limit.fired = True
    raise _Expired(limit.token)


def _quiet(unraisable: Any) -> None:
    # An _Expired raised inside a finaliser is discarded by Python (and raised
    # again RETRY later); it is not an error worth a traceback on stderr.
    if not isinstance(unraisable.exc_value, _Expired):
        _hook_before(unraisable)


_hook_before: Callable[[Any], None] = sys.unraisablehook


@contextlib.contextmanager
def time_limit(seconds: float | None, message: str | Callable[[], str]) -> Iterator[None]:
    """Raise TimeLimitError(message) if the block runs longer than `seconds` (None or 0: no limit).

    `message` may be a function, called when the time is up (to say what was running).

    Only in the main thread of a POSIX process; elsewhere the block runs unlimited.
    """
    if not seconds or seconds <= 0 or not _usable():
        yield
        return
    global _hook_before
    limit = _Limit(next(_tokens), time.monotonic() + seconds)
    first = not _active
    previous = signal.signal(signal.SIGALRM, _expire) if first else None
    if first:
        _hook_before, sys.unraisablehook = sys.unraisablehook, _quiet
    _active.append(limit)
    _arm()
    try:
        yield
    except _Expired as exc:
        if exc.token != limit.token:
            raise
        raise TimeLimitError(message if isinstance(message, str) else message()) from None
    finally:
        _active.remove(limit)
        _arm()
        if first:
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
            sys.unraisablehook = _hook_before


def case_seconds(value: float | None = None) -> float | None:
    """The per-case limit: `value` if given, else RCA_TIME_LIMIT, else the default; 0 means none."""
    if value is None:
        raw = os.environ.get("RCA_TIME_LIMIT", "")
        try:
            value = float(raw) if raw.strip() else DEFAULT_CASE_SECONDS
        except ValueError:
            value = DEFAULT_CASE_SECONDS
    return value if value > 0 else None
