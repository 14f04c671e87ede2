"""The audit trail's gate: a review renders as approved only when it is approvable.

An `approved` or `published` review must pass lint under --strict (it always
runs strict) and have no open request for changes (RCA504, see
docs/lint-rules.md). One that does not is refused with `NotApprovableError`,
or, when the user asks for drafts (`--draft`), rendered with a DRAFT marking
on every output, as is any review not yet approved.
"""

from __future__ import annotations

from rca.analyse.findings import Findings, LintFinding
from rca.analyse.lint import FINAL_REVIEW
from rca.errors import RcaError
from rca.load import LoadedRecord

_SHOWN = 12  # lint errors quoted in the message; `rca analyze --strict` lists the rest

# The gate judges the analysis, not the calendar: an action that falls overdue
# after the approval does not unapprove the review (the outputs ask leadership to
# unblock it instead), or every published review would stop rendering one day.
_CALENDAR = frozenset({"RCA406"})


class NotApprovableError(RcaError):
    """A review marked approved or published that does not pass as approved; nothing was written."""

    def __init__(self, path: str, lines: list[str]) -> None:
        self.path = path
        self.lines = lines
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[type[NotApprovableError], tuple[str, list[str]]]:
        return (NotApprovableError, (self.path, self.lines))


def blockers(loaded: LoadedRecord, findings: Findings) -> list[LintFinding]:
    """The lint errors that stop a review marked approved or published from rendering as such."""
    if loaded.record.review.status not in FINAL_REVIEW:
        return []
    return [f for f in findings.lint if f.severity == "error" and f.rule not in _CALENDAR]


def check_approvable(loaded: LoadedRecord, findings: Findings) -> None:
    """Raise `NotApprovableError` when the review claims approval it cannot pass."""
    errors = blockers(loaded, findings)
    if not errors:
        return
    review = loaded.record.review
    line, column = loaded.where_v2(("review", "status"))
    where = f"{loaded.path}" + (f":{line}" if line else "") + (f":{column}" if column else "")
    status = review.status.value
    requests = [f for f in errors if f.rule == "RCA504"]
    rest = len(errors) - len(requests)
    why = []
    if rest:
        why.append(f"{rest} lint error{'s' if rest != 1 else ''} under --strict")
    if requests:
        roles = ", ".join(
            dict.fromkeys(review.sign_offs[i].role for i in review.open_change_requests)
        )
        why.append(f"changes requested by {roles} still open")
    lines = [
        f"{where}: review.status: the review is marked {status} but does not pass as {status}: "
        + "; ".join(why)
        + ". Nothing was written:",
        *(f"  {f}" for f in errors[:_SHOWN]),
    ]
    if len(errors) > _SHOWN:
        lines.append(
            f"  ... and {len(errors) - _SHOWN} more (rca analyze --strict {loaded.path} lists all)"
        )
    lines.append(
        "Fix them, or set review.status back to in_review; to circulate it as it is, "
        "use --draft, which marks every output DRAFT."
    )
    raise NotApprovableError(str(loaded.path), lines)


def draft_reasons(loaded: LoadedRecord, findings: Findings) -> list[str]:
    """Why the outputs of a `--draft` build are marked DRAFT (empty: an approvable review)."""
    review = loaded.record.review
    if review.status not in FINAL_REVIEW:
        return [f"the review is {_PHRASE[review.status.value]}, not approved"]
    errors = blockers(loaded, findings)
    if not errors:
        return []
    out = [f"the record is marked {review.status.value} but does not pass as such"]
    rest = [f for f in errors if f.rule != "RCA504"]
    if rest:
        out.append(f"{len(rest)} lint error{'s' if len(rest) != 1 else ''} under --strict")
    for i in review.open_change_requests:
        s = review.sign_offs[i]
        out.append(f"changes requested by {s.role} on {s.on.isoformat()} are still open")
    return out


_PHRASE = {"draft": "a draft", "in_review": "in review"}
