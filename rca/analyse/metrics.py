"""The clocks of each legal request, measured between its milestones, and its deadlines.

detect = error_occurred -> detected, escalate = detected -> escalated,
respond = request_received -> responded, resolve = detected -> resolved.
Every request has its own four clocks: its milestones are the events that name
it (`request: R2`; in a case with one request, every milestone event). A
target comes from the request's own `service_levels`, else the record's
`service_levels` for the request's process type, else the project file's
default for that process type. A clock with a day-precision end (an event
known only by its day) says so, and is judged breached or met only when that
holds for every time within the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from rca.analyse.findings import Clock, DeadlineStatus
from rca.model import (
    CaseReview,
    DeadlineKind,
    Event,
    Milestone,
    Request,
    SlaMetric,
    WorkflowStep,
)
from rca.project import DEFAULT, Project
from rca.yamlsafe import Path_

CLOCKS: tuple[tuple[SlaMetric, Milestone, Milestone], ...] = (
    (SlaMetric.DETECT, Milestone.ERROR_OCCURRED, Milestone.DETECTED),
    (SlaMetric.ESCALATE, Milestone.DETECTED, Milestone.ESCALATED),
    (SlaMetric.RESPOND, Milestone.REQUEST_RECEIVED, Milestone.RESPONDED),
    (SlaMetric.RESOLVE, Milestone.DETECTED, Milestone.RESOLVED),
)
# The same, as plain codes for the render context: clock -> (start, end) milestone.
CLOCK_MILESTONES: dict[str, tuple[str, str]] = {
    metric.value: (start.value, end.value) for metric, start, end in CLOCKS
}
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Measured:
    """A clock with where its parts come from in the record (for lint locations)."""

    clock: Clock
    start_event: int | None  # index into timeline
    end_event: int | None
    target_site: Path_ | None  # where its target is set in the record; None: unset or project


def request_events(record: CaseReview, request: Request) -> list[tuple[int, Event]]:
    """The timeline events of one request: those naming it (all, when it is the only one)."""
    single = len(record.requests) == 1
    return [
        (i, e)
        for i, e in enumerate(record.timeline)
        if request.id in e.request or (single and not e.request)
    ]


def milestones(
    record: CaseReview, request: Request | None = None
) -> dict[Milestone, tuple[int, Event]]:
    """Milestone -> (timeline index, event) of one request (default: the primary one)."""
    request = request or record.primary_request
    marks: dict[Milestone, tuple[int, Event]] = {}
    for i, event in request_events(record, request):
        if event.milestone is not None and event.milestone not in marks:
            marks[event.milestone] = (i, event)
    return marks


def target(
    record: CaseReview, request: Request, metric: SlaMetric, project: Project = DEFAULT
) -> tuple[timedelta, Path_ | None] | None:
    """A request's target for one clock, and where the record sets it (None: the project)."""
    r = record.requests.index(request)
    for j, level in enumerate(request.service_levels):
        if level.metric is metric:
            return level.target, ("requests", r, "service_levels", j, "target")
    for i, row in enumerate(record.service_levels):
        if row.metric is metric and row.process_type is request.process_type:
            return row.target, ("service_levels", i, "target")
    default = project.service_levels.get(request.process_type.value, {}).get(metric.value)
    return (default, None) if default is not None else None


def _span(event: Event) -> tuple[datetime, datetime]:
    """The earliest and latest the event can have happened."""
    return (event.at, event.at + DAY) if event.precision == "day" else (event.at, event.at)


def measure(record: CaseReview, project: Project = DEFAULT) -> list[Measured]:
    """Every clock of every request, in request order."""
    out = []
    for request in record.requests:
        marks = milestones(record, request)
        for metric, start_ms, end_ms in CLOCKS:
            start, end = marks.get(start_ms), marks.get(end_ms)
            found = target(record, request, metric, project)
            target_seconds = found[0].total_seconds() if found else None
            elapsed: float | None = None
            breached: bool | None = None
            precision: Literal["minute", "day"] = "minute"
            if start and end:
                elapsed = (end[1].at - start[1].at).total_seconds()
                if "day" in (start[1].precision, end[1].precision):
                    precision = "day"
                if target_seconds is not None:
                    (s_lo, s_hi), (e_lo, e_hi) = _span(start[1]), _span(end[1])
                    least = (e_lo - s_hi).total_seconds()
                    most = (e_hi - s_lo).total_seconds()
                    # Breached or met only if every time the day allows says so.
                    breached = (
                        True
                        if least > target_seconds
                        else (False if most <= target_seconds else None)
                    )
            clock = Clock(
                metric=metric.value,
                start=start[1].at.isoformat() if start else None,
                end=end[1].at.isoformat() if end else None,
                elapsed_seconds=elapsed,
                target_seconds=target_seconds,
                breached=breached,
                request=request.id,
                precision=precision,
            )
            out.append(
                Measured(
                    clock,
                    start[0] if start else None,
                    end[0] if end else None,
                    found[1] if found else None,
                )
            )
    return out


def deadlines(record: CaseReview, today: date) -> list[DeadlineStatus]:
    """Every deadline of every request, and where it stands.

    A response deadline is met or missed by the request's `responded` milestone
    (open until then, missed once it has passed); any other deadline has passed
    or is still ahead on `today`.
    """
    out = []
    for request in record.requests:
        marks = milestones(record, request)
        responded = marks.get(Milestone.RESPONDED)
        for deadline in request.deadlines:
            end = deadline.due + DAY if deadline.precision == "day" else deadline.due
            status: Literal["met", "missed", "open", "passed", "ahead"]
            if deadline.kind is DeadlineKind.RESPONSE_DUE:
                if responded is not None:
                    status = "met" if _span(responded[1])[0] < end else "missed"
                else:
                    status = "missed" if end.date() <= today else "open"
            else:
                status = "passed" if end.date() <= today else "ahead"
            out.append(
                DeadlineStatus(
                    request=request.id,
                    kind=deadline.kind.value,
                    due=deadline.due.isoformat(),
                    precision=deadline.precision,
                    status=status,
                )
            )
    return out


def deviations_by_step(record: CaseReview) -> dict[str, int]:
    """Workflow step -> events that deviated from the procedure, every step in workflow order."""
    counts = {step.value: 0 for step in WorkflowStep}
    for event in record.timeline:
        if event.deviation:
            counts[event.step.value] += 1
    return counts


def format_duration(seconds: float | None) -> str:
    """A short human duration: 45m, 9h 30m, 2d 4h; '-' when unknown."""
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    minutes = round(abs(seconds) / 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h" if hours else f"{days}d"
    elif hours:
        text = f"{hours}h {minutes}m" if minutes else f"{hours}h"
    else:
        text = f"{minutes}m"
    return sign + text
