"""The errors rca raises. The core raises only these; `cli.py` turns them into messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one input file, located as precisely as the input allows."""

    path: str
    line: int | None
    column: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"

    def as_dict(self) -> dict[str, str | int | None]:
        """JSON-ready form, for `--format json`."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "field": self.field or None,
            "message": self.message,
        }


class RcaError(Exception):
    """Base of every error rca reports to a person; never shown as a traceback."""

    exit_code = 1


class UsageError(RcaError):
    """The command was called wrongly (missing path, bad option value)."""

    exit_code = 2


class RecordError(RcaError):
    """One or more input records are invalid; holds every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class OutputError(RcaError):
    """An output could not be written (permissions, disk, an existing file)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
