"""The case's clocks, measured between timeline milestones, and deviations per step.

detect = error_occurred -> detected, escalate = detected -> escalated,
respond = request_received -> responded, resolve = detected -> resolved.
Targets come from the record's `service_levels` for the escalation's process type.
"""

from __future__ import annotations

from dataclasses import dataclass

from rca.analyse.findings import Clock
from rca.model import CaseReview, Event, Milestone, ServiceLevel, SlaMetric, WorkflowStep

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


@dataclass(frozen=True)
class Measured:
    """A clock with where its parts come from in the record (for lint locations)."""

    clock: Clock
    start_event: int | None  # index into timeline
    end_event: int | None
    service_level: int | None  # index into service_levels


def milestones(record: CaseReview) -> dict[Milestone, tuple[int, Event]]:
    """Milestone -> (timeline index, event); the schema allows each milestone once."""
    return {e.milestone: (i, e) for i, e in enumerate(record.timeline) if e.milestone is not None}


def service_level(record: CaseReview, metric: SlaMetric) -> tuple[int, ServiceLevel] | None:
    """The first target set for this clock and the escalation's process type."""
    process = record.escalation.process_type
    return next(
        (
            (i, level)
            for i, level in enumerate(record.service_levels)
            if level.metric is metric and level.process_type is process
        ),
        None,
    )


def measure(record: CaseReview) -> list[Measured]:
    """Every clock, measured where both milestones exist."""
    marks = milestones(record)
    out = []
    for metric, start_ms, end_ms in CLOCKS:
        start, end = marks.get(start_ms), marks.get(end_ms)
        target = service_level(record, metric)
        elapsed = (end[1].at - start[1].at).total_seconds() if start and end else None
        target_seconds = target[1].target.total_seconds() if target else None
        breached = (
            elapsed > target_seconds if elapsed is not None and target_seconds is not None else None
        )
        clock = Clock(
            metric=metric.value,
            start=start[1].at.isoformat() if start else None,
            end=end[1].at.isoformat() if end else None,
            elapsed_seconds=elapsed,
            target_seconds=target_seconds,
            breached=breached,
        )
        out.append(
            Measured(
                clock,
                start[0] if start else None,
                end[0] if end else None,
                target[0] if target else None,
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
