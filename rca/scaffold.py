"""`rca new`: a commented, schema-valid case record with placeholders to fill in."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rca.errors import UsageError
from rca.fs import write_atomic
from rca.model import CASE_ID_PATTERN, ProcessType, TriageClass
from rca.project import find_project_file
from rca.schema import SCHEMA_FILE, schema_files
from rca.templating import render_template, template_environment

# Starting targets per process type; a team sets its own in each record.
# Emergency requests run in hours, preservation within a day, court process in days.
DEFAULT_TARGETS: dict[ProcessType, dict[str, str]] = {
    ProcessType.EMERGENCY_DISCLOSURE: {
        "respond": "4h",
        "escalate": "1h",
        "detect": "24h",
        "resolve": "5d",
    },
    ProcessType.PRESERVATION: {
        "respond": "24h",
        "escalate": "4h",
        "detect": "7d",
        "resolve": "14d",
    },
    ProcessType.NCMEC_REPORT: {
        "respond": "24h",
        "escalate": "4h",
        "detect": "7d",
        "resolve": "14d",
    },
    ProcessType.SEARCH_WARRANT: {
        "respond": "7d",
        "escalate": "1d",
        "detect": "14d",
        "resolve": "30d",
    },
}
FALLBACK_TARGETS = {"respond": "14d", "escalate": "1d", "detect": "14d", "resolve": "30d"}

_TRIAGE = {
    ProcessType.EMERGENCY_DISCLOSURE: TriageClass.EMERGENCY,
    ProcessType.PRESERVATION: TriageClass.PRESERVATION,
    ProcessType.NCMEC_REPORT: TriageClass.CHILD_SAFETY,
}


def scaffold_text(case_id: str, process_type: str, target: Path, today: date | None = None) -> str:
    """The text of a new case record for `case_id`, to be written at `target`."""
    if not re.fullmatch(CASE_ID_PATTERN, case_id):
        raise UsageError(
            f"'{case_id}' is not a case id; expected something like ESC-0142: 2-10 capital "
            "letters or digits starting with a letter, a hyphen, then up to 20 capital letters, "
            "digits or hyphens"
        )
    try:
        kind = ProcessType(process_type)
    except ValueError:
        choices = ", ".join(p.value for p in ProcessType)
        raise UsageError(f"--process-type: '{process_type}' is not one of: {choices}") from None
    today = today or date.today()
    schema_url, _ = _schema_url(target)
    targets = DEFAULT_TARGETS.get(kind, FALLBACK_TARGETS)
    text = render_template(
        template_environment(),
        "scaffold/case.yaml.j2",
        dict(
            case_id=case_id,
            file_name=target.name,
            schema_url=schema_url,
            process_type=kind.value,
            triage_class=_TRIAGE.get(kind, TriageClass.ROUTINE).value,
            service_levels=[
                {"process_type": kind.value, "metric": m, "target": t} for m, t in targets.items()
            ],
            today=today.isoformat(),
            now=datetime.combine(today, datetime.min.time(), UTC)
            .replace(hour=9)
            .isoformat()
            .replace("+00:00", "Z"),
            due=(today + timedelta(days=30)).isoformat(),
            verify_by=(today + timedelta(days=90)).isoformat(),
        ),
        what="scaffold",
    )
    return text


def _schema_url(target: Path) -> tuple[str, Path | None]:
    """The modeline's schema path, relative to the record, and a schema file to write, if any.

    The schema lives in `schemas/` of the project: the folder of the rca.toml
    above the record, else the nearest folder above it with a schemas/ folder,
    else the record's own folder. The path is relative, so the record stays
    valid on every machine the repository is cloned to.
    """
    folder = target.resolve().parent
    existing = next(f for f in (folder, *folder.parents) if f.exists())
    project = find_project_file(existing)
    roots = [project.parent] if project is not None else []
    roots += [c for c in (folder, *folder.parents) if (c / "schemas" / SCHEMA_FILE).is_file()]
    root = roots[0] if roots else folder
    schema = root / "schemas" / SCHEMA_FILE
    relative = Path(os.path.relpath(schema, folder)).as_posix()
    return relative, None if schema.is_file() else schema


def write_scaffold(case_id: str, process_type: str, target: Path, *, force: bool) -> Path:
    """Write a new case record; refuse to overwrite unless `force`."""
    if target.exists() and not force:
        raise UsageError(f"{target}: already exists; pass --force to overwrite it")
    text = scaffold_text(case_id, process_type, target)
    written = write_atomic(target, text.encode("utf-8"))
    _, schema = _schema_url(target)
    if schema is not None:  # the modeline's schema, for editors: the project's own copy
        write_atomic(schema, schema_files()[SCHEMA_FILE].encode("utf-8"))
    return written
