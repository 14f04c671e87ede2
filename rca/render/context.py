"""Findings + audience -> the render context: the only thing templates and renderers see.

Everything in the context has passed through the audience's redaction: the
record view is built field by field from sensitivity tags, and every string in
the findings is scrubbed with the same identifier replacement.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rca import __version__
from rca.analyse.findings import Findings
from rca.audience import Profile
from rca.labels import labels_for
from rca.load import LoadedRecord
from rca.model import (
    ActionMechanism,
    ActionStatus,
    ActionType,
    AgencyType,
    CaseReview,
    CauseStatus,
    DataCategory,
    DetectionSource,
    LifeSafety,
    Milestone,
    ProcessType,
    ReviewStatus,
    Severity,
    SlaMetric,
    TriageClass,
    WorkflowStep,
)
from rca.privacy.identifiers import declared_identifiers
from rca.privacy.redact import Scrubber, redact_record
from rca.taxonomy import builtin_taxonomies

LABELS = labels_for(
    ProcessType,
    TriageClass,
    Severity,
    DetectionSource,
    AgencyType,
    DataCategory,
    WorkflowStep,
    Milestone,
    SlaMetric,
    ReviewStatus,
    CauseStatus,
    ActionType,
    ActionMechanism,
    ActionStatus,
    LifeSafety,
)


def as_of(record: CaseReview) -> date:
    """The record's own latest date: outputs carry it, so the same input gives the same bytes."""
    dates = [e.at.date() for e in record.timeline]
    dates += [s.on for s in record.review.sign_offs]
    if record.review.opened:
        dates.append(record.review.opened)
    return max(dates)


def build_context(loaded: LoadedRecord, findings: Findings, profile: Profile) -> dict[str, Any]:
    """The template context for one case and one audience."""
    record = loaded.record
    scrub = Scrubber(declared_identifiers(record), profile.privacy.personal)
    case = redact_record(record, profile.privacy)
    taxonomy = builtin_taxonomies().get(record.taxonomy)
    return {
        "case": case,
        "findings": scrub_strings(findings.to_dict(), scrub),
        "audience": profile.model_dump(mode="json"),
        "meta": {
            "case_id": record.case_id,
            "title": case["title"],
            "version": record.version,
            "source": loaded.path.name,
            "source_sha": loaded.sha256[:12],
            "tool_version": __version__,
            "as_of": as_of(record).isoformat(),
            "classification": profile.classification,
            "generated": (
                f"{record.case_id} v{record.version} ({loaded.path.name}, sha256 "
                f"{loaded.sha256[:12]}), as of {as_of(record).isoformat()}, rca {__version__}"
            ),
        },
        "labels": {
            **LABELS,
            **({c.id: c.label for c in taxonomy.categories} if taxonomy else {}),
        },
    }


def scrub_strings(value: Any, scrub: Scrubber) -> Any:
    """Every string value in nested plain data, scrubbed (keys are ids and stay)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: scrub_strings(v, scrub) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_strings(v, scrub) for v in value]
    return value
