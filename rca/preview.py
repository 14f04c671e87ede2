"""`rca watch`: re-render a case's HTML brief on every save, fast enough to feel live.

Polls the file's modification time (portable, no extra dependency); keeps the
renderers warm in this process, so a refresh costs only validation, analysis,
diagram layout (SVG only for HTML) and the template.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from rca.audience import Profile
from rca.errors import OutputBusyError, RcaError
from rca.load import check_record


def refresh(
    case: Path,
    profiles: Sequence[Profile],
    out: Path,
    formats: Sequence[str],
    *,
    today: date | None = None,
    template_dirs: Sequence[Path] = (),
    time_limit: float | None = None,
    draft: bool = False,
) -> list[Path]:
    """Validate and re-render once; raises RcaError (nothing written) on a bad save.

    The case folder is replaced whole, under the output folder's lock, and the
    build cache forgets the case (its folder now holds what the watch wrote).
    """
    from rca.errors import RecordError
    from rca.pipeline import render_into

    loaded, problems = check_record(case)
    if loaded is None:
        raise RecordError(problems)
    return render_into(
        loaded,
        profiles,
        formats,
        out,
        command="watch",
        today=today,
        template_dirs=template_dirs,
        seconds=time_limit,
        draft=draft,
    )


def watch_case(
    case: Path,
    profiles: Sequence[Profile],
    out: Path,
    *,
    formats: Sequence[str],
    interval: float,
    today: date | None,
    template_dirs: Sequence[Path],
    echo: Callable[[str], None],
    max_refreshes: int | None = None,
    time_limit: float | None = None,
    draft: bool = False,
) -> None:
    """Refresh on every change of `case` until interrupted (or `max_refreshes`, for tests)."""
    last: float | None = None
    done = 0
    try:
        while max_refreshes is None or done < max_refreshes:
            try:
                mtime = case.stat().st_mtime_ns
            except OSError:
                time.sleep(interval)  # an editor may delete and recreate the file on save
                continue
            if mtime != last:
                last = mtime
                started = time.perf_counter()
                try:
                    written = refresh(
                        case,
                        profiles,
                        out,
                        formats,
                        today=today,
                        template_dirs=template_dirs,
                        time_limit=time_limit,
                        draft=draft,
                    )
                    ms = (time.perf_counter() - started) * 1000
                    echo(
                        f"{time.strftime('%H:%M:%S')} refreshed {len(written)} file(s) in {ms:.0f} ms"
                    )
                except OutputBusyError as exc:
                    last = None  # the save is not shown yet: try again on the next tick
                    echo(f"{time.strftime('%H:%M:%S')} not refreshed yet: {exc}")
                except RcaError as exc:
                    echo(
                        f"{time.strftime('%H:%M:%S')} not refreshed; the last good output stays:\n{exc}"
                    )
                done += 1
            time.sleep(interval)
    except KeyboardInterrupt:
        echo("stopped")
