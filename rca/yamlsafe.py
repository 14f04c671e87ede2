"""Read YAML the safe, strict way and remember where every value came from.

Why libyaml's event stream and not a constructor: PyYAML's C parser gives us
exact marks at C speed (ruamel.yaml keeps marks too but parses about 2x slower
even with its C extension), and building the tree ourselves lets us refuse
what a case record never needs: anchors and aliases (the billion-laughs
bomb), explicit tags (`!!python/object`), duplicate keys, non-text keys,
several documents, and absurd nesting. Scalars stay text: the schema parses
them with YAML 1.2 rules, so `NO`, `0123`, `1.10` and `1:20` mean what the
author typed or are rejected with a hint, never silently turned into
`False`, `83`, `1.1` or `80`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rca.errors import InputFileError
from rca.fs import read_capped

try:  # libyaml is in every PyYAML wheel; the pure-Python parser is a slow fallback.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the platform's wheel
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 2 * 1024 * 1024  # a rich case is ~30 KB; 2 MiB is generous and cheap to refuse
MAX_DEPTH = 32
_NULLS = {"", "~", "null", "Null", "NULL"}

Path_ = tuple[str | int, ...]


@dataclass
class Located:
    """A parsed document: plain Python data plus the (line, column) of every value and key."""

    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    sha256: str = ""  # of the bytes parsed (set by read_yaml)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int] | None:
        """The position of the value (or key) at `path`, or of its nearest located parent."""
        table = self.keys if key else self.values
        if path in table:
            return table[path]
        for cut in range(len(path) - 1, -1, -1):
            if path[:cut] in self.values:
                return self.values[path[:cut]]
        return None


@dataclass(frozen=True)
class YamlProblem:
    """Something wrong with the YAML itself, before any schema applies."""

    line: int | None
    column: int | None
    path: Path_
    message: str
    fatal: bool = True  # False: the document is still usable (e.g. a duplicate key)


class _Abort(Exception):
    def __init__(self, problem: YamlProblem) -> None:
        self.problem = problem


def _short_tag(tag: str) -> str:
    return (
        "!!" + tag.removeprefix("tag:yaml.org,2002:")
        if tag.startswith("tag:yaml.org,2002:")
        else tag
    )


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def read_yaml(
    path: Path, *, max_bytes: int = MAX_BYTES
) -> tuple[Located | None, list[YamlProblem]]:
    """Parse one YAML file into a `Located` document, or say everything wrong with it.

    Only a regular file is read, and at most `max_bytes` + 1 bytes of it
    (rca.fs.read_capped): a named pipe or a link to a device is refused at once.
    """
    try:
        raw = read_capped(path, max_bytes, what="a case record")
    except InputFileError as exc:
        too_large = "may be at most" in exc.reason
        return None, [
            YamlProblem(1 if too_large else None, 1 if too_large else None, (), exc.reason)
        ]
    located, problems = parse_yaml(raw)
    if located is not None:
        located.sha256 = hashlib.sha256(raw).hexdigest()
    return located, problems


def _line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column (in characters) of `text[index]`."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "backspace", 0x1B: "ESC", 0x7F: "DEL", 0xFEFF: "BOM"}


def _undecodable(raw: bytes, exc: UnicodeDecodeError) -> YamlProblem:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return YamlProblem(1, 1, (), "file is UTF-16 text; save it as UTF-8")
    line_start = raw.rfind(b"\n", 0, exc.start) + 1
    line = raw.count(b"\n", 0, exc.start) + 1
    # Columns count characters, as an editor shows them, not bytes.
    column = len(raw[line_start : exc.start].decode("utf-8", errors="replace")) + 1
    return YamlProblem(
        line,
        column,
        (),
        f"file is not valid UTF-8 text: byte 0x{raw[exc.start]:02X} here is not UTF-8 "
        "(the file may be Latin-1 or Windows-1252); save it as UTF-8",
    )


def parse_yaml(raw: bytes) -> tuple[Located | None, list[YamlProblem]]:
    """Parse YAML bytes (UTF-8) into a `Located` document."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [_undecodable(raw, exc)]
    builder = _Builder()
    try:
        builder.run(text)
    except _Abort as stop:
        return None, [*builder.problems, stop.problem]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _pos(mark) if mark is not None else (None, None)
        reason = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark is not None:
            reason += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        return None, [YamlProblem(where[0], where[1], (), f"YAML syntax error: {reason}")]
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (NUL, other controls)
        code = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        )
        name = _CONTROL_NAMES.get(code, "a control character")
        line, column = _line_column(text, exc.position)
        return None, [
            YamlProblem(
                line,
                column,
                (),
                f"character U+{code:04X} ({name}) is not allowed in a case record; delete it",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [YamlProblem(None, None, (), f"YAML error: {' '.join(str(exc).split())}")]
    if builder.doc is None:
        return None, [YamlProblem(1, 1, (), "file is empty; expected a case record (a mapping)")]
    fatal = any(p.fatal for p in builder.problems)
    return (None if fatal else builder.doc), builder.problems


class _Builder:
    """Builds plain data from libyaml events, refusing what records never need."""

    def __init__(self) -> None:
        self.doc: Located | None = None
        self.problems: list[YamlProblem] = []

    def run(self, text: str) -> None:
        events = yaml.parse(text, Loader=_Loader)
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _Abort(
                        YamlProblem(
                            *_pos(event.start_mark),
                            (),
                            "a file holds one case record; found a second document (---)",
                        )
                    )
                self.doc = Located(None)
                self.doc.data = self._node(events, next(events), (), 0)
            elif isinstance(event, yaml.StreamEndEvent):
                break

    def _refuse_extras(self, event: Any, path: Path_) -> None:
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor is not None:
            raise _Abort(
                YamlProblem(
                    *_pos(event.start_mark),
                    path,
                    "anchors and aliases (&name, *name) are not allowed in case records; "
                    "write the value out",
                )
            )
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and not (
            isinstance(event, yaml.ScalarEvent) and tag == "tag:yaml.org,2002:str"
        ):
            raise _Abort(
                YamlProblem(
                    *_pos(event.start_mark),
                    path,
                    f"tag '{_short_tag(tag)}' is not allowed; remove it "
                    "(quote the value if it is text)",
                )
            )

    def _node(self, events: Any, event: Any, path: Path_, depth: int) -> Any:
        assert self.doc is not None
        self._refuse_extras(event, path)
        if depth > MAX_DEPTH:
            raise _Abort(
                YamlProblem(
                    *_pos(event.start_mark), path, f"nesting deeper than {MAX_DEPTH} levels"
                )
            )
        self.doc.values[path] = _pos(event.start_mark)
        if isinstance(event, yaml.ScalarEvent):
            if not event.style and event.value in _NULLS:  # plain: None (Python) or "" (libyaml)
                return None
            return event.value
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            for child in events:
                if isinstance(child, yaml.SequenceEndEvent):
                    return items
                items.append(self._node(events, child, (*path, len(items)), depth + 1))
        if isinstance(event, yaml.MappingStartEvent):
            mapping: dict[str, Any] = {}
            for key_event in events:
                if isinstance(key_event, yaml.MappingEndEvent):
                    return mapping
                self._refuse_extras(key_event, path)
                if not isinstance(key_event, yaml.ScalarEvent):
                    raise _Abort(
                        YamlProblem(*_pos(key_event.start_mark), path, "keys must be plain text")
                    )
                key = key_event.value
                duplicate = key in mapping
                # A duplicate's value is parsed under a throwaway path so the
                # first occurrence keeps its positions.
                child_path = (*path, f"{key}\0duplicate") if duplicate else (*path, key)
                value = self._node(events, next(events), child_path, depth + 1)
                if duplicate:
                    line, column = _pos(key_event.start_mark)
                    first = self.doc.keys[(*path, key)]
                    self.problems.append(
                        YamlProblem(
                            line,
                            column,
                            (*path, key),
                            f"duplicate key '{key}' (first at line {first[0]})",
                            fatal=False,
                        )
                    )
                    continue
                mapping[key] = value
                self.doc.keys[(*path, key)] = _pos(key_event.start_mark)
        raise _Abort(YamlProblem(*_pos(event.start_mark), path, "unexpected YAML event"))
