"""Terminal progress and the end-of-build summary for `rca build` (rich)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from rca.batch import CaseOutcome

_MARK = {"built": "[green]built[/]", "cached": "[dim]cached[/]", "failed": "[red bold]failed[/]"}


class BuildProgress:
    """A progress bar with per-case status lines on a terminal; plain lines elsewhere."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, highlight=False)
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> BuildProgress:
        if self.console.is_terminal:
            self._progress = Progress(
                TextColumn("[bold]building"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(kind, value, tb)

    def start(self, to_build: int, total: int) -> None:
        """Called once the cache has been checked: how many cases need work."""
        if self._progress is not None:
            self._task = self._progress.add_task("build", total=to_build)
        if total > to_build:
            self.console.print(f"{total - to_build} of {total} case(s) unchanged (cached)")

    def advance(self, outcome: CaseOutcome) -> None:
        """Called as each case finishes."""
        if outcome.status == "cached":
            return
        name = outcome.case_id or Path(outcome.source).name
        line = f"{_MARK[outcome.status]} {name} in {outcome.seconds:.1f}s"
        if outcome.error:
            line += f": {outcome.error.splitlines()[0]}"
        self.console.print(line)
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task)

    def summary(self, outcomes: Sequence[CaseOutcome], out_dir: Path) -> None:
        """The end-of-build table: every case, its status, time and files or error."""
        table = Table(title=f"rca build -> {out_dir}", title_justify="left")
        table.add_column("case")
        table.add_column("status")
        table.add_column("time", justify="right")
        table.add_column("files / error", overflow="fold")
        for o in outcomes:
            detail = o.error if o.error else f"{len(o.files)} file(s)"
            table.add_row(
                o.case_id or Path(o.source).name, _MARK[o.status], f"{o.seconds:.1f}s", detail
            )
        counts = {s: sum(1 for o in outcomes if o.status == s) for s in _MARK}
        out = Console(file=sys.stdout, highlight=False)
        out.print(table)
        out.print(
            f"{len(outcomes)} case(s): {counts['built']} built, {counts['cached']} cached, "
            f"{counts['failed']} failed"
        )
