"""`rca diff OLD NEW`: what changed between two versions of one review.

Both versions are read the way one audience sees them (its redaction applies,
default: specialists, who see identifiers only as pseudonyms), so a diff can be
pasted into a ticket or a review thread without quoting what that audience may
not read. What is compared, each by id (sign-offs by role and day, links by
their two ends): the review (title, version, status), the requests, the causes
(statement, title, category, kind, status, within control, code), the links
between them (added, removed, status), the actions (title, what they address,
owner, due, status, mechanisms, success criterion, verify by), the sign-offs
and the revisions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rca.audience import Profile
from rca.errors import Problem, RecordError, UsageError
from rca.load import LoadedRecord, check_record
from rca.render.context import LABELS as _LABELS
from rca.render.formatting import day
from rca.render.names import cause_title

SECTIONS = ("review", "requests", "causes", "links", "actions", "sign_offs", "revisions")
HEADINGS = {
    "review": "Review",
    "requests": "Legal requests",
    "causes": "Causes",
    "links": "Links between causes",
    "actions": "Corrective actions",
    "sign_offs": "Sign-offs",
    "revisions": "Revisions",
}
_CAUSE_FIELDS = (
    "statement",
    "title",
    "category",
    "kind",
    "status",
    "within_control",
    "code",
    "evidence",
)
_ACTION_FIELDS = (
    "title",
    "addresses",
    "type",
    "owner",
    "due",
    "status",
    "mechanisms",
    "success_criterion",
    "verify_by",
    "completed_on",
)
_REVIEW_FIELDS = ("title", "version", "status")


@dataclass(frozen=True)
class FieldChange:
    """One field of one item, before and after."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    """An item added, removed or changed (then with its field changes)."""

    section: str
    kind: str  # added | removed | changed
    id: str
    name: str  # in words: a cause's or action's title, a request's name, "Legal counsel on ..."
    fields: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class Diff:
    """Everything that changed, in section order."""

    case_id: str
    old: dict[str, str]
    new: dict[str, str]
    audience: str
    changes: list[Change]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the two versions, the audience, and each change."""
        return asdict(self)


def load_pair(old: Path, new: Path) -> tuple[LoadedRecord, LoadedRecord]:
    """Both records, validated; every problem of both files reported at once."""
    loaded: list[LoadedRecord] = []
    problems: list[Problem] = []
    for path in (old, new):
        record, found = check_record(path)
        problems += found
        if record is not None:
            loaded.append(record)
    if problems:
        raise RecordError(problems)
    a, b = loaded
    if a.record.case_id != b.record.case_id:
        raise UsageError(
            f"{old} is case {a.record.case_id} and {new} is case {b.record.case_id}: "
            "rca diff compares two versions of one review"
        )
    return a, b


def diff_records(old: LoadedRecord, new: LoadedRecord, profile: Profile) -> Diff:
    """What changed from `old` to `new`, as `profile`'s audience reads both."""
    from rca.privacy.redact import Scrubber, redact_record

    def view(loaded: LoadedRecord) -> dict[str, Any]:
        scrub = Scrubber.for_record(loaded.record, profile.privacy.personal)
        return redact_record(loaded.record, profile.privacy, scrub)

    a, b = view(old), view(new)
    changes = [
        *_review(a, b),
        *_by_id("requests", a["requests"], b["requests"], _request_name, None),
        *_by_id("causes", a["causes"], b["causes"], cause_title, _CAUSE_FIELDS),
        *_links(a, b),
        *_by_id("actions", a["actions"], b["actions"], lambda x: x["title"], _ACTION_FIELDS),
        *_sign_offs(a["review"]["sign_offs"], b["review"]["sign_offs"]),
        *_by_key(
            "revisions",
            a["review"]["revisions"],
            b["review"]["revisions"],
            lambda r: str(r["version"]),
            lambda r: f"version {r['version']} of {r['on']}: {r['note']}",
            ("on", "note"),
        ),
    ]
    return Diff(
        old.record.case_id,
        {"path": str(old.path), "version": old.record.version},
        {"path": str(new.path), "version": new.record.version},
        profile.id,
        changes,
    )


def _review(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    olds = {"title": a["title"], "version": a["version"], "status": a["review"]["status"]}
    news = {"title": b["title"], "version": b["version"], "status": b["review"]["status"]}
    fields = [FieldChange(f, olds[f], news[f]) for f in _REVIEW_FIELDS if olds[f] != news[f]]
    return [Change("review", "changed", "", "the review", fields)] if fields else []


def _request_name(request: dict[str, Any]) -> str:
    return str(
        request.get("title") or _LABELS.get(request["process_type"], request["process_type"])
    )


def _by_id(
    section: str,
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    name: Callable[[dict[str, Any]], str],
    fields: tuple[str, ...] | None,
) -> list[Change]:
    return _by_key(section, old, new, lambda x: str(x["id"]), name, fields)


def _by_key(
    section: str,
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    key: Callable[[dict[str, Any]], str],
    name: Callable[[dict[str, Any]], str],
    fields: tuple[str, ...] | None,
) -> list[Change]:
    """Items matched by key: removed (in old order), then added and changed (in new order)."""
    before = {key(x): x for x in old}
    after = {key(x): x for x in new}
    out = [Change(section, "removed", k, name(x)) for k, x in before.items() if k not in after]
    for k, x in after.items():
        if k not in before:
            out.append(Change(section, "added", k, name(x)))
            continue
        changed = _fields(before[k], x, fields)
        if changed:
            out.append(Change(section, "changed", k, name(x), changed))
    return out


def _fields(
    old: Mapping[str, Any], new: Mapping[str, Any], only: tuple[str, ...] | None
) -> list[FieldChange]:
    """Changed fields; nested ones (a request's data, requester) by their dotted path."""
    flat_old, flat_new = _flatten(old), _flatten(new)
    names = list(dict.fromkeys([*flat_old, *flat_new]))
    if only is not None:
        names = [n for n in only if n in flat_old or n in flat_new]
    return [
        FieldChange(n, flat_old.get(n), flat_new.get(n))
        for n in names
        if n != "id" and flat_old.get(n) != flat_new.get(n)
    ]


def _flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in value.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, name + "."))
        else:
            out[name] = v
    return out


def _links(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    """Cause-to-cause and cause-to-problem links, keyed by their two ends."""

    def links(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
        titles = {c["id"]: cause_title(c) for c in view["causes"]}
        out = {}
        for cause in view["causes"]:
            for link in cause["leads_to"]:
                to = link["to"]
                out[f"{cause['id']} -> {to}"] = {
                    "status": link.get("status") or cause["status"],
                    "together_with": list(link.get("together_with") or []),
                    "name": f"“{titles.get(cause['id'], cause['id'])}” leads to "
                    + ("the problem" if to == "problem" else f"“{titles.get(to, to)}”"),
                }
        return out

    return _by_key(
        "links",
        [{"key": k, **v} for k, v in links(a).items()],
        [{"key": k, **v} for k, v in links(b).items()],
        lambda x: str(x["key"]),
        lambda x: str(x["name"]),
        ("status", "together_with"),
    )


def _sign_offs(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[Change]:
    """Sign-offs keyed by role and day (several on one day by their order)."""

    def keyed(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: dict[str, int] = {}
        out = []
        for s in items:
            base = f"{s['role'].casefold()} {s['on']}"
            seen[base] = seen.get(base, 0) + 1
            out.append({**s, "key": base if seen[base] == 1 else f"{base} #{seen[base]}"})
        return out

    return _by_key(
        "sign_offs",
        keyed(old),
        keyed(new),
        lambda s: str(s["key"]),
        lambda s: f"{s['role']} on {s['on']}: {s['decision'].replace('_', ' ')}",
        ("decision", "note"),
    )


# --------------------------------------------------------------------------- text

_ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _days(text: str) -> str:
    """ISO days in a text as people read them ("12 Mar 2026")."""
    return _ISO_DAY.sub(lambda m: day(m.group(0)), text)


def as_text(diff: Diff, labels: Mapping[str, str]) -> str:
    """The diff for people: grouped by section, items named in words, ids as badges."""

    def word(value: Any) -> str:
        if value is None or value == "" or value == []:
            return "none"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(word(v) for v in value)
        text = str(value)
        return labels.get(text, _days(text))

    head = f"{diff.case_id}: version {diff.old['version']} -> {diff.new['version']}"
    lines = [
        head,
        f"  old: {diff.old['path']}",
        f"  new: {diff.new['path']}",
        f"  read as the {diff.audience} audience sees it",
    ]
    if not diff.changes:
        lines += ["", "No changes in the review, its requests, causes, links, actions, "
                  "sign-offs or revisions."]  # fmt: skip
        return "\n".join(lines) + "\n"
    for section in SECTIONS:
        found = [c for c in diff.changes if c.section == section]
        if not found:
            continue
        counts = ", ".join(
            f"{n} {kind}" for kind in ("added", "removed", "changed")
            if (n := sum(c.kind == kind for c in found))
        )  # fmt: skip
        lines += ["", f"{HEADINGS[section]} ({counts})"]
        for c in found:
            badge = f"{c.id} " if c.id and section not in ("sign_offs", "revisions") else ""
            lines.append(f"  {c.kind:<8} {badge}{_days(c.name)}")
            for f in c.fields:
                old, new = word(f.old), word(f.new)
                label = f.field.replace("_", " ").replace(".", ": ")
                if len(old) + len(new) > 90:
                    lines += [f"      {label}:", f"        was: {old}", f"        now: {new}"]
                else:
                    lines.append(f"      {label}: {old} -> {new}")
    return "\n".join(lines) + "\n"
