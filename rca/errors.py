"""The errors rca raises. The core raises only these; `cli.py` turns them into messages."""

from __future__ import annotations

from collections.abc import Sequence
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


class OutputBusyError(RcaError):
    """Another rca process is writing into the same output folder; try again later.

    Exit code 75 (EX_TEMPFAIL in sysexits.h): a temporary condition a script
    may retry, distinct from anything wrong with the input.
    """

    exit_code = 75


class InputFileError(RcaError):
    """An input file that cannot be read safely: not a regular file, too large, unreadable."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def __reduce__(self) -> tuple[type[InputFileError], tuple[Path, str]]:
        return (InputFileError, (self.path, self.reason))


class LimitError(RcaError):
    """A valid case that is too large to render within one of rca's limits; nothing was written.

    Exit code 4, shared on purpose by every limit (time, size of an output,
    size of the graph): "the record is valid but the case is too large to
    render" (split or summarise it, render fewer formats, or raise
    --time-limit), never "the record is wrong" (1) or "an output would have
    leaked" (3).
    """

    exit_code = 4


class TimeLimitError(LimitError):
    """Work on one case (or one step of it) ran past its time limit and was stopped."""


class RenderLimitError(LimitError):
    """A case with more causes than rca lays out and renders; refused before any work.

    Checked up front so that a record of thousands of causes (valid: `validate`
    and `analyze` handle it) ends in a second with one line, not minutes later
    at the time limit.
    """


class TemplateError(RcaError):
    """A template (built-in or the user's) failed: syntax, a missing value, or a sandbox refusal."""


@dataclass(frozen=True, order=True)
class Leak:
    """One place in one output holding personal data its audience may not see.

    Names the identifier by kind and pseudonym, never by value: the message
    ends up in terminals and CI logs, which must not become the leak.
    """

    artifact: str  # the output's name under <out>/<case-id>/, e.g. "leadership.pdf"
    where: (
        str  # inside it: "PDF page 2, text", "slide 4 notes (ppt/...), text", "DOT source, line 12"
    )
    what: str  # "account_id (Account A)", "undeclared email address"
    variant: str  # how it matched: exact, case, digits, url-encoded, ..., pattern:email
    source: str = ""  # where the text came from in the record, when it is there

    def __str__(self) -> str:
        text = f"{self.artifact}: {self.where}: {self.what} [{self.variant}]"
        return f"{text}; {self.source}" if self.source else text


class LeakError(RcaError):
    """The leak guard found personal data an audience may not see; nothing was written.

    Exit code 3: distinct from invalid records (1) and usage errors (2), so a
    CI job can tell "the record is wrong" from "an output would have leaked".
    """

    exit_code = 3

    def __init__(self, case_id: str, leaks: Sequence[Leak]) -> None:
        self.case_id = case_id
        self.leaks = list(leaks)
        lines = [
            f"{case_id}: the leak guard stopped the build; nothing was written. "
            f"{len(self.leaks)} place(s) in the outputs hold personal data "
            "their audience may not see:",
            *(f"  {leak}" for leak in self.leaks),
            "Declare each undeclared identifier under `identifiers:` so it is redacted, or "
            "remove it. One that is not in the record's text came from a template, the file "
            "name or a renderer.",
        ]
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[type[LeakError], tuple[str, list[Leak]]]:
        # Picklable, so it survives the trip back from a worker process.
        return (LeakError, (self.case_id, self.leaks))


class TooLargeError(LimitError):
    """An output is too large for the leak guard to read, so it cannot be shown clean.

    Exit code 4 (LimitError): not a leak (3) and not a bad record (1); the case
    is too big to render as one document (summarise it, or render fewer
    formats).
    Nothing of the case was written.
    """

    def __init__(self, case_id: str, reasons: Sequence[str]) -> None:
        self.case_id = case_id
        self.reasons = list(reasons)
        lines = [
            f"{case_id}: an output is too large for the leak guard to read, so it cannot be "
            "shown clean; nothing was written:",
            *(f"  {reason}" for reason in self.reasons),
        ]
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[type[TooLargeError], tuple[str, list[str]]]:
        return (TooLargeError, (self.case_id, self.reasons))
