"""YAML files -> validated case records, collecting every problem before failing."""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from rca.checks import record_checks
from rca.errors import Problem, RecordError, UsageError
from rca.migrate import source_version, v1_path
from rca.model import CaseReview, IdentifierKind, describe_value
from rca.project import DEFAULT, Project, find_project_file, load_project
from rca.yamlsafe import Located, Path_, read_yaml

RECORD_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedRecord:
    """A valid record with where it came from: file, content hash, and value positions."""

    path: Path
    record: CaseReview
    source: Located
    sha256: str
    project: Project = DEFAULT  # the rca.toml that applies to it (or the built-in defaults)

    @property
    def source_version(self) -> int:
        """The schema version the file is written in (1 is read as 2, with a note)."""
        return source_version(self.source.data) if isinstance(self.source.data, dict) else 2

    def where_v2(self, path: Path_) -> tuple[int | None, int | None]:
        """(line, column) of a schema-v2 field path, in a file of either version."""
        return self.where(v1_path(path) if self.source_version == 1 else path)

    def where(self, path: Path_) -> tuple[int | None, int | None]:
        """(line, column) of the value at `path` in the file, as exactly as known."""
        pos = self.source.where(path)
        return pos if pos is not None else (None, None)


def find_record_files(paths: Iterable[Path]) -> list[Path]:
    """Files named on the command line, and every *.yaml / *.yml below named folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.suffix in RECORD_SUFFIXES
                    and p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        elif path.exists():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    return found


@dataclass(frozen=True)
class CheckResult:
    """The outcome for one file: the record when valid, and every problem found."""

    path: Path
    loaded: LoadedRecord | None
    problems: list[Problem]


def check_records(paths: Sequence[Path], project: Project | None = None) -> list[CheckResult]:
    """Validate every record under `paths`, including case ids unique across files.

    Each record is judged by the project file above it (rca.toml), unless
    `project` is given; a project file with problems is reported once, and the
    records below it are not judged by it.
    """
    files = find_record_files(paths)
    if not files:
        raise UsageError("no case records (*.yaml, *.yml) found in " + ", ".join(map(str, paths)))
    results = []
    first: dict[str, Path] = {}
    broken: dict[Path, list[Problem]] = {}
    for file in files:
        settings, unusable = _project(file, project, broken)
        if settings is None:
            if unusable is not None:  # first record under a broken project file
                results.append(CheckResult(Path(unusable[0].path), None, unusable))
            results.append(
                CheckResult(
                    file,
                    None,
                    [
                        Problem(
                            str(file), None, None, "", "not checked: its project file has problems"
                        )
                    ],
                )
            )
            continue
        loaded, problems = check_record(file, settings)
        if loaded is not None:
            case_id = loaded.record.case_id
            if case_id in first:
                line, column = loaded.where(("case_id",))
                problems = [
                    Problem(
                        str(file),
                        line,
                        column,
                        "case_id",
                        f"case id '{case_id}' is also used by {first[case_id]}",
                    )
                ]
                loaded = None
            else:
                first[case_id] = file
        results.append(CheckResult(file, loaded, problems))
    return results


def _project(
    file: Path, given: Project | None, broken: dict[Path, list[Problem]]
) -> tuple[Project | None, list[Problem] | None]:
    """(the project for `file`, or None; the problems of its project file the first time)."""
    if given is not None:
        return given, None
    path = find_project_file(file)
    if path is None:
        return DEFAULT, None
    if path in broken:
        return None, None
    try:
        return load_project(path), None
    except RecordError as exc:
        broken[path] = exc.problems
        return None, exc.problems


def load_records(paths: Sequence[Path], project: Project | None = None) -> list[LoadedRecord]:
    """Load and validate every record under `paths`; raise RecordError listing all problems."""
    results = check_records(paths, project)
    problems = [p for r in results for p in r.problems]
    if problems:
        raise RecordError(problems)
    return [r.loaded for r in results if r.loaded is not None]


def check_record(
    path: Path, project: Project | None = None
) -> tuple[LoadedRecord | None, list[Problem]]:
    """Validate one file: the record if it is valid, and every problem found.

    `project` defaults to the project file above the record (rca.toml), if any.
    """
    shown = str(path)
    if project is None:
        found = find_project_file(path)
        try:
            project = load_project(found) if found is not None else DEFAULT
        except RecordError as exc:
            return None, exc.problems
    located, yaml_problems = read_yaml(path)
    problems = [
        Problem(shown, p.line, p.column, format_path(p.path), p.message) for p in yaml_problems
    ]
    if located is None:
        return None, problems
    if not isinstance(located.data, dict):
        problems.append(Problem(shown, 1, 1, "", "expected a case record (a mapping of fields)"))
        return None, problems
    record: CaseReview | None = None
    try:
        record = CaseReview.model_validate(located.data, context=project.validation_context())
    except ValidationError as exc:
        problems.extend(_schema_problems(shown, exc, located))
    # Cross-field and reference checks run whatever the schema found, so every
    # problem is reported in one pass (not where the schema already said something).
    taken = {p.field for p in problems}
    for site, message in record_checks(located.data):
        field = format_path(site)
        if field not in taken:
            line, column = located.where(site) or (None, None)
            problems.append(Problem(shown, line, column, field, message))
    if record is None or problems:  # recoverable YAML problems (duplicate keys) fail too
        return None, sorted(_mask_declared(problems, located.data))
    return LoadedRecord(path, record, located, located.sha256, project), []


def _mask_declared(problems: list[Problem], data: dict[str, Any]) -> list[Problem]:
    """Problems whose messages quote a value the record declares as an identifier, masked."""
    from rca.privacy.identifiers import Declared, DeclaredMatcher

    declared = []
    entries = data.get("identifiers")
    for n, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict) and isinstance(entry.get("value"), str):
            kind = str(entry.get("kind"))
            known = IdentifierKind(kind) if kind in set(IdentifierKind) else IdentifierKind.OTHER
            declared.append(Declared(known, entry["value"], None, n))
    if not declared:
        return problems
    matcher = DeclaredMatcher(declared)
    return [
        dataclasses.replace(
            p, message=matcher.sub(p.message, lambda m: f"… (a declared {m.item.kind.value})")
        )
        for p in problems
    ]


def format_path(path: Sequence[str | int]) -> str:
    """`('actions', 2, 'owner')` -> `actions[2].owner`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# --------------------------------------------------------------------------- messages

_PATTERN_HINTS = {
    r"^[A-Z][A-Z0-9]{1,9}-[0-9A-Z][0-9A-Z-]{0,19}$": (
        "expected a case id like ESC-0142 (2-10 capital letters or digits starting with a letter, "
        "a hyphen, then up to 20 capital letters, digits or hyphens)"
    ),
    r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$": (
        "expected an id like C1 or act-2 (a letter, then letters, digits, _ . or -)"
    ),
    r"^[a-z][a-z0-9_]{0,39}$": "expected a lower-case code like process_policy (a letter, then up to 39 letters, digits or _)",
    r"^[0-9]+(\.[0-9]+){0,3}$": "expected a version like 1.0 or 1.10",
    r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$": "expected a country code, optionally with a region: US, US-CA",
    r"^[^\n]*$": "expected a single line of text",
    r"^[a-z0-9][a-z0-9_-]{0,39}$": "expected a taxonomy id like ler, 6m or 4p",
    r"^[A-Za-z][A-Za-z0-9 &/()._,'-]*$": (
        "expected a team or role such as 'LER specialist' (letters, digits, spaces, & / ( ) . , ' -)"
    ),
}


def _message(error: Any, model: type[BaseModel] | None) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    loc = error["loc"]
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        known = list(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        elsewhere = _home_of(str(loc[-1]))
        if close:
            hint = f"; did you mean '{close[0]}'?"
        elif elsewhere:
            hint = f"; it belongs {elsewhere}; here expected one of: {', '.join(known)}"
        else:
            hint = f"; expected one of: {', '.join(known)}"
        return f"unknown field '{loc[-1]}'{hint}"
    if kind == "enum":
        options = [o.strip(" '") for o in ctx.get("expected", "").replace(" or ", ", ").split(",")]
        close = difflib.get_close_matches(str(value), options, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"expected one of: {', '.join(options)}; got {describe_value(value)}{hint}"
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(
            ctx.get("pattern", ""), f"expected text matching {ctx.get('pattern')}"
        )
        return f"{hint}; got {describe_value(value)}"
    if kind == "string_type":
        return f"expected text, got {describe_value(value)}"
    if kind == "list_type":
        return f"expected a list ('- item' lines), got {describe_value(value)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping ('key: value' lines), got {describe_value(value)}"
    if kind == "too_short":
        if isinstance(value, str):
            return "must not be empty"
        return f"expected at least {ctx.get('min_length')} item(s)"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"text is {len(value)} characters; at most {ctx.get('max_length')} allowed"
    if kind == "too_long":
        return f"at most {ctx.get('max_length')} item(s) allowed"
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}; got {describe_value(value)}"
    if kind in ("greater_than_equal", "less_than_equal"):
        return str(error["msg"]).replace("Input should be", "expected a number")
    if kind == "timezone_aware":
        return "timestamp has no time zone; add one, e.g. 2026-03-04T09:15:00-05:00"
    if kind.startswith(("date_", "datetime_")):
        return f"not a real date or time: {describe_value(value)}"
    return str(error["msg"])


def _schema_problems(shown: str, exc: ValidationError, located: Located) -> list[Problem]:
    old = source_version(located.data) == 1  # v1 is read as v2: point at the v1 file's lines
    problems = []
    for error in exc.errors(include_url=False):
        model_loc: Path_ = tuple(p for p in error["loc"] if isinstance(p, (str, int)))
        loc = v1_path(model_loc) if old else model_loc
        kind = error["type"]
        if kind == "missing":
            pos = located.where(loc[:-1])  # the mapping the field belongs in
        elif kind == "extra_forbidden":
            pos = located.where(loc, key=True)
        else:
            pos = located.where(loc)
        parent = _model_at(model_loc[:-1]) if kind == "extra_forbidden" else None
        line, column = pos if pos is not None else (None, None)
        problems.append(Problem(shown, line, column, format_path(loc), _message(error, parent)))
    return problems


def _model_at(path: Path_) -> type[BaseModel] | None:
    """The model class that holds the value at `path` (for "did you mean" hints)."""
    current: Any = CaseReview
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(part)
        if field is None:
            return None
        current = _element_type(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _element_type(annotation: Any) -> Any:
    # Unwrap Optional[...] and list[...] to the model inside, if any.
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType) or origin is typing.Annotated:
        for arg in typing.get_args(annotation):
            inner = _element_type(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return annotation


# Where a key that is valid elsewhere in the record belongs, with an example
# when the place is not obvious from the path alone.
_HOME_EXAMPLES = {
    "together_with": "inside a leads_to link, e.g. leads_to: [{to: problem, together_with: [C2]}]",
}


def _home_of(key: str) -> str | None:
    """`inside causes[].leads_to[]` for a key the record uses in another place, else None."""
    if key in _HOME_EXAMPLES:
        return _HOME_EXAMPLES[key]
    homes = _field_homes().get(key)
    return "under " + " or ".join(homes[:2]) if homes else None


_HOMES: dict[str, list[str]] = {}


def _field_homes() -> dict[str, list[str]]:
    # field name -> the paths of the models that hold it, shallowest first.
    if not _HOMES:
        seen: set[type[BaseModel]] = set()
        queue: list[tuple[type[BaseModel], str]] = [(CaseReview, "")]
        while queue:
            model, prefix = queue.pop(0)
            if model in seen:
                continue
            seen.add(model)
            for name, info in model.model_fields.items():
                _HOMES.setdefault(name, []).append(prefix or "the top level")
                inner = _element_type(info.annotation)
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    many = typing.get_origin(info.annotation) is list or "list[" in str(
                        info.annotation
                    )
                    queue.append((inner, f"{prefix}.{name}{'[]' if many else ''}".lstrip(".")))
    return _HOMES
