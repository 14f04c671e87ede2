"""Cross-field and reference checks on a record's raw data, run beside the schema.

Pydantic stops at a broken field: a check that needs the whole record (a
milestone used twice, a reference to a cause that does not exist) would only
run once every field is valid, so an author met the problems in rounds. These
checks read the plain data defensively instead, skipping whatever is
malformed (the schema reports that), so `rca validate` lists every problem at
once. Each check yields (path, message); `rca.load` locates and formats them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any

from rca.yamlsafe import Path_

PROBLEM_ID = "problem"


def _items(data: dict[str, Any], key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = data.get(key)
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _refs(value: Any) -> Iterator[tuple[int | None, str]]:
    """The ids in a reference field: one id, or a list of them."""
    if isinstance(value, str):
        yield None, value
    elif isinstance(value, list):
        for k, item in enumerate(value):
            if isinstance(item, str):
                yield k, item


def _hint(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _ids(data: dict[str, Any], key: str) -> dict[str, Path_]:
    """id -> where it is first defined, for one list of the record."""
    found: dict[str, Path_] = {}
    for i, item in _items(data, key):
        ident = item.get("id")
        if isinstance(ident, str) and ident not in found:
            found[ident] = (key, i, "id")
    return found


def _path(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def record_checks(data: dict[str, Any]) -> Iterator[tuple[Path_, str]]:
    """Every cross-field and reference problem of a record's raw data."""
    yield from _duplicate_ids(data)
    yield from _cause_references(data)
    yield from _evidence_references(data)
    yield from _milestones(data)
    yield from _request_references(data)


def _duplicate_ids(data: dict[str, Any]) -> Iterator[tuple[Path_, str]]:
    # Causes and actions share the causal graph; every other list has its own ids.
    spaces = [("causes", "actions"), ("why_chains",), ("evidence",), ("policies",),
              ("timeline",), ("identifiers",), ("requests",)]  # fmt: skip
    for space in spaces:
        first: dict[str, Path_] = {}
        for key in space:
            for i, item in _items(data, key):
                ident = item.get("id")
                if not isinstance(ident, str):
                    continue
                site: Path_ = (key, i, "id")
                if ident == PROBLEM_ID and key in ("causes", "actions"):
                    yield site, "'problem' is reserved for the problem statement; choose another id"
                elif ident in first:
                    yield (
                        site,
                        f"id '{ident}' is already used by {_path(first[ident][:2])}; "
                        "ids must be unique",
                    )
                else:
                    first[ident] = site


def _cause_references(data: dict[str, Any]) -> Iterator[tuple[Path_, str]]:
    causes = _ids(data, "causes")
    with_problem = [*causes, PROBLEM_ID]

    def check(site: Path_, ref: str, problem_ok: bool) -> Iterator[tuple[Path_, str]]:
        if ref in causes or (problem_ok and ref == PROBLEM_ID):
            return
        what = "a cause or 'problem'" if problem_ok else "a cause"
        yield (
            site,
            f"'{ref}' is not {what} in this record{_hint(ref, with_problem if problem_ok else causes)}",
        )

    for i, cause in _items(data, "causes"):
        links = cause.get("leads_to")
        if not isinstance(links, list):
            continue
        for j, link in enumerate(links):
            site: Path_ = ("causes", i, "leads_to", j)
            if isinstance(link, str):
                yield from check(site, link, True)
            elif isinstance(link, dict):
                if isinstance(link.get("to"), str):
                    yield from check((*site, "to"), link["to"], True)
                for k, partner in _refs(link.get("together_with")):
                    yield from check(
                        (*site, "together_with", k if k is not None else 0), partner, False
                    )
    for i, chain in _items(data, "why_chains"):
        start = chain.get("starts_at")
        if isinstance(start, str):
            yield from check(("why_chains", i, "starts_at"), start, True)
        for k, why in _refs(chain.get("whys")):
            yield from check(("why_chains", i, "whys", k if k is not None else 0), why, False)
    for i, action in _items(data, "actions"):
        for k, ref in _refs(action.get("addresses")):
            yield from check(("actions", i, "addresses", k if k is not None else 0), ref, True)


def _evidence_references(data: dict[str, Any]) -> Iterator[tuple[Path_, str]]:
    evidence = _ids(data, "evidence")
    for section in ("causes", "timeline", "actions"):
        for i, item in _items(data, section):
            for k, ref in _refs(item.get("evidence")):
                if ref not in evidence:
                    yield (
                        (section, i, "evidence", k if k is not None else 0),
                        f"evidence '{ref}' is not defined under evidence:{_hint(ref, evidence)}",
                    )


def _milestones(data: dict[str, Any]) -> Iterator[tuple[Path_, str]]:
    seen: dict[tuple[str, str], int] = {}
    for i, event in _items(data, "timeline"):
        milestone = event.get("milestone")
        if not isinstance(milestone, str):
            continue
        requests = [r for _, r in _refs(event.get("request"))] or [""]
        for request in requests:
            key = (request, milestone)
            if key in seen:
                of = f" of request {request}" if request else ""
                yield (
                    ("timeline", i, "milestone"),
                    f"milestone '{milestone}'{of} is already used by timeline[{seen[key]}]; "
                    "each milestone marks one event",
                )
            else:
                seen[key] = i


def _request_references(data: dict[str, Any]) -> Iterator[tuple[Path_, str]]:
    # A request without an id is R1 (the schema's default).
    requests: list[str] = []
    for _, item in _items(data, "requests"):
        ident = item.get("id")
        requests.append(ident if isinstance(ident, str) else "R1")
    several = sum(1 for _ in _items(data, "requests")) > 1
    for i, event in _items(data, "timeline"):
        refs = list(_refs(event.get("request")))
        for k, ref in refs:
            if requests and ref not in requests:
                yield (
                    ("timeline", i, "request", k if k is not None else 0),
                    f"'{ref}' is not a request of this record{_hint(ref, requests)}; "
                    f"expected one of: {', '.join(requests)}",
                )
        if several and not refs and isinstance(event.get("milestone"), str):
            yield (
                ("timeline", i, "milestone"),
                f"this case has {len(requests)} requests; say which one(s) milestone "
                f"'{event['milestone']}' marks with request: (one of {', '.join(requests)})",
            )
