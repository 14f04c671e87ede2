"""rca.limits: nested wall-clock limits, each ending in its own clear error."""

from __future__ import annotations

import contextlib
import signal
import time

import pytest

from rca.errors import TimeLimitError
from rca.limits import case_seconds, time_limit


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_the_limit_that_expires_is_the_one_reported() -> None:
    with pytest.raises(TimeLimitError, match=r"^inner$"):  # noqa: SIM117
        with time_limit(5, "outer"), time_limit(0.05, "inner"):
            spin(2)
    with pytest.raises(TimeLimitError, match=r"^outer$"):  # noqa: SIM117
        with time_limit(0.05, "outer"), time_limit(5, "inner"):
            spin(2)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # nothing left armed
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL


def test_an_outer_limit_is_not_swallowed_by_code_that_catches_everything() -> None:
    def careless() -> None:
        caught = []
        try:
            spin(2)
        except Exception as exc:  # rendering code or a library may do this
            caught.append(exc)
        assert not caught

    with (
        pytest.raises(TimeLimitError, match="case took too long"),
        time_limit(0.05, lambda: "case took too long"),
    ):
        careless()


def test_no_limit() -> None:
    with time_limit(None, "never"), time_limit(0, "never"):
        pass
    assert case_seconds(0) is None
    assert case_seconds(7.5) == 7.5


def test_the_default_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RCA_TIME_LIMIT", "30")
    assert case_seconds() == 30
    monkeypatch.setenv("RCA_TIME_LIMIT", "0")
    assert case_seconds() is None
    monkeypatch.delenv("RCA_TIME_LIMIT")
    assert case_seconds() == 120


def test_a_limit_that_expires_inside_a_finaliser_still_ends_the_block(
    capfd: pytest.CaptureFixture[str],
) -> None:
    class Slow:
        def __del__(self) -> None:
            spin(0.3)  # the limit expires in here, where Python discards exceptions

    with pytest.raises(TimeLimitError, match="late"), time_limit(0.05, "late"):
        Slow()  # dropped at once: its finaliser runs now
        spin(2)
    assert "Exception ignored" not in capfd.readouterr().err


def test_a_limit_swallowed_by_a_bare_except_is_raised_again() -> None:
    def careless_library() -> None:
        with contextlib.suppress(BaseException):  # as networkx's bare `except:` does
            spin(0.3)

    with pytest.raises(TimeLimitError, match="swallowed"), time_limit(0.05, "swallowed"):
        careless_library()  # the first signal is lost in here...
        spin(2)  # ...the next one is not
