"""The organisation's project file: its own vocabulary for every record below it.

`rca.toml`, found the way ruff and pytest find theirs: walk up from the record's
folder to the first folder holding one. It names (all optional):

    taxonomy = "ler"                        # for records that name none
    taxonomy_files = ["taxonomies/acme.yaml"]

    [taxonomies.acme]                       # or inline, same shape as the YAML files
    title = "Acme LER"
    categories = { people = { label = "People", hint = "workload, skills" } }

    [cause_codes]                           # labels of cross-case cause codes
    us_checklist = "US agency checklist"

    [roles]
    extra = ["Regional LER lead"]           # added to the built-in role vocabulary

    [service_levels.emergency_disclosure]   # default targets per process type
    respond = "4h"

    [audiences.leadership]                  # defaults for what an audience is asked
    decider = "Head of LER"
    within_days = 14

Everything is checked when the file is read; a mistake is reported with the
file and the key, and stops the run before any record is judged by it.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from rca.errors import Problem, RecordError
from rca.roles import BUILTIN, RoleVocabulary
from rca.taxonomy import Category, Taxonomy, builtin_taxonomies, load_taxonomy_file

PROJECT_FILE = "rca.toml"
_SLUG = re.compile(r"[a-z][a-z0-9_]{0,39}")
_TAXONOMY_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
METRICS = ("detect", "escalate", "respond", "resolve")


@dataclass(frozen=True)
class AudienceDefaults:
    """Who decides an audience's computed decisions, and within how many days.

    Overrides the profile's `decisions:` defaults (rca.audience.DecisionDefaults).
    """

    decider: str | None = None  # a role from the vocabulary
    within_days: int | None = None


@dataclass(frozen=True)
class Project:
    """An organisation's settings for the records below its folder."""

    path: Path | None = None  # None: no project file; the built-in defaults
    taxonomy: str = "ler"
    taxonomies: dict[str, Taxonomy] = field(default_factory=dict)  # beside the built-ins
    cause_codes: dict[str, str] = field(default_factory=dict)
    roles: RoleVocabulary = BUILTIN
    service_levels: dict[str, dict[str, timedelta]] = field(default_factory=dict)
    audiences: dict[str, AudienceDefaults] = field(default_factory=dict)

    @property
    def all_taxonomies(self) -> dict[str, Taxonomy]:
        """Built-in taxonomies and the project's own (which win on the same id)."""
        return {**builtin_taxonomies(), **self.taxonomies}

    def validation_context(self) -> dict[str, Any]:
        """What record validation needs from the project."""
        return {
            "taxonomies": self.taxonomies,
            "default_taxonomy": self.taxonomy,
            "roles": self.roles,
        }


DEFAULT = Project()


def find_project_file(start: Path) -> Path | None:
    """The first rca.toml in `start` (a folder, or a file's folder) or a folder above it."""
    folder = start if start.is_dir() else start.parent
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / PROJECT_FILE
        if path.is_file():
            return path
    return None


def project_for(start: Path) -> Project:
    """The project that applies to a record (or folder): its rca.toml, else the defaults."""
    path = find_project_file(start)
    return load_project(path) if path is not None else DEFAULT


@cache
def _cached(path: Path, mtime_ns: int) -> Project:
    return _read(path)


def load_project(path: Path) -> Project:
    """Read and check one project file; RecordError lists every problem in it."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        problem = Problem(str(path), None, None, "", f"cannot read: {exc.strerror}")
        raise RecordError([problem]) from None
    return _cached(path, stamp)


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[Problem] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(Problem(str(self.path), None, None, key, message))


_KEYS = ("taxonomy", "taxonomy_files", "taxonomies", "cause_codes", "roles", "service_levels",
         "audiences")  # fmt: skip


def _unknown(problems: _Problems, prefix: str, key: str, known: tuple[str, ...]) -> None:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(known)}"
    problems.add(f"{prefix}{key}", f"unknown key '{key}'; {hint}")


def _read(path: Path) -> Project:
    problems = _Problems(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.add("", f"cannot read: {exc}")
        raise RecordError(problems.items) from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "... (at line 3, column 7)": keep its words, move the place to the front.
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (None, None)
        raise RecordError(
            [Problem(str(path), line, column, "", f"not valid TOML: {reason}")]
        ) from None
    for key in data:
        if key not in _KEYS:
            _unknown(problems, "", key, _KEYS)
    taxonomies = _taxonomies(path, data, problems)
    known_taxonomies = {**builtin_taxonomies(), **taxonomies}
    default = data.get("taxonomy", "ler")
    if not isinstance(default, str) or default not in known_taxonomies:
        problems.add(
            "taxonomy",
            f"unknown taxonomy {default!r}; expected one of: {', '.join(sorted(known_taxonomies))}",
        )
    roles = _roles(path, data.get("roles", {}), problems)
    project = Project(
        path=path,
        taxonomy=default if isinstance(default, str) else "ler",
        taxonomies=taxonomies,
        cause_codes=_cause_codes(data.get("cause_codes", {}), problems),
        roles=roles,
        service_levels=_service_levels(data.get("service_levels", {}), problems),
        audiences=_audiences(data.get("audiences", {}), roles, problems),
    )
    if problems.items:
        raise RecordError(problems.items)
    return project


def _table(value: Any, key: str, problems: _Problems) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    problems.add(key, f"expected a table ([{key}]), got {type(value).__name__}")
    return {}


def _taxonomies(path: Path, data: dict[str, Any], problems: _Problems) -> dict[str, Taxonomy]:
    found: dict[str, Taxonomy] = {}
    files = data.get("taxonomy_files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        problems.add("taxonomy_files", "expected a list of file paths, relative to rca.toml")
        files = []
    from rca.errors import RcaError

    for name in files:
        target = path.parent / name
        try:
            taxonomy = load_taxonomy_file(target)
        except (OSError, RcaError) as exc:
            problems.add("taxonomy_files", f"{name}: {getattr(exc, 'strerror', None) or exc}")
            continue
        found[taxonomy.id] = taxonomy
    for tax_id, spec in _table(data.get("taxonomies", {}), "taxonomies", problems).items():
        key = f"taxonomies.{tax_id}"
        if not _TAXONOMY_ID.fullmatch(tax_id):
            problems.add(key, "a taxonomy id is lower-case letters, digits, _ or -")
            continue
        spec = _table(spec, key, problems)
        for extra in set(spec) - {"title", "categories"}:
            _unknown(problems, key + ".", extra, ("title", "categories"))
        categories = []
        for cat_id, cat in _table(
            spec.get("categories", {}), key + ".categories", problems
        ).items():
            where = f"{key}.categories.{cat_id}"
            if not _SLUG.fullmatch(cat_id):
                problems.add(where, "a category id is a lower-case code like process_policy")
                continue
            cat = _table(cat, where, problems)
            if not isinstance(cat.get("label"), str) or not cat["label"].strip():
                problems.add(where, 'needs a label, e.g. { label = "People" }')
                continue
            categories.append(Category(cat_id, cat["label"], str(cat.get("hint", ""))))
        if not categories:
            problems.add(key, "needs at least one category under categories")
            continue
        found[tax_id] = Taxonomy(tax_id, str(spec.get("title", tax_id)), tuple(categories))
    return found


def _cause_codes(value: Any, problems: _Problems) -> dict[str, str]:
    codes: dict[str, str] = {}
    for code, label in _table(value, "cause_codes", problems).items():
        if not _SLUG.fullmatch(code):
            problems.add(
                f"cause_codes.{code}", "a cause code is a lower-case code like tz_conversion"
            )
        elif not isinstance(label, str) or not label.strip():
            problems.add(f"cause_codes.{code}", "expected its label as text")
        else:
            codes[code] = label.strip()
    return codes


def _roles(path: Path, value: Any, problems: _Problems) -> RoleVocabulary:
    table = _table(value, "roles", problems)
    for extra in set(table) - {"extra"}:
        _unknown(problems, "roles.", extra, ("extra",))
    roles = table.get("extra", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        problems.add("roles.extra", "expected a list of roles (text)")
        return BUILTIN
    from rca.model import ROLE_PATTERN

    good = []
    for role in roles:
        if re.fullmatch(ROLE_PATTERN, role) and 2 <= len(role) <= 80:
            good.append(" ".join(role.split()))
        else:
            problems.add(
                "roles.extra",
                f"{role!r} is not a role: 2-80 letters, digits, spaces and & / ( ) . , ' -",
            )
    return BUILTIN.extended(good, str(path))


def _duration(value: Any) -> timedelta | None:
    from rca.model import parse_duration

    try:
        return parse_duration(value)
    except ValueError:
        return None


def _service_levels(value: Any, problems: _Problems) -> dict[str, dict[str, timedelta]]:
    from rca.model import ProcessType

    kinds = tuple(p.value for p in ProcessType)
    out: dict[str, dict[str, timedelta]] = {}
    for process, targets in _table(value, "service_levels", problems).items():
        key = f"service_levels.{process}"
        if process not in kinds:
            _unknown(problems, "service_levels.", process, kinds)
            continue
        for metric, target in _table(targets, key, problems).items():
            if metric not in METRICS:
                _unknown(problems, key + ".", metric, METRICS)
                continue
            duration = _duration(target)
            if duration is None:
                problems.add(
                    f"{key}.{metric}", f"expected a duration such as 4h, 5d or PT4H; got {target!r}"
                )
                continue
            out.setdefault(process, {})[metric] = duration
    return out


def _audiences(
    value: Any, roles: RoleVocabulary, problems: _Problems
) -> dict[str, AudienceDefaults]:
    out = {}
    keys = ("decider", "within_days")
    for audience, spec in _table(value, "audiences", problems).items():
        key = f"audiences.{audience}"
        spec = _table(spec, key, problems)
        for extra in set(spec) - set(keys):
            _unknown(problems, key + ".", extra, keys)
        decider = spec.get("decider")
        if decider is not None:
            canonical = roles.canonical(decider) if isinstance(decider, str) else None
            if canonical is None:
                problems.add(f"{key}.decider", f"{decider!r} is not a role of the vocabulary")
            decider = canonical
        within = spec.get("within_days")
        if within is not None and (
            isinstance(within, bool) or not isinstance(within, int) or not 0 <= within <= 366
        ):
            problems.add(
                f"{key}.within_days", f"expected a number of days, 0 to 366; got {within!r}"
            )
            within = None
        out[audience] = AudienceDefaults(decider, within)
    return out
