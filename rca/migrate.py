"""Schema versions: reading a v1 record as v2, and `rca migrate` rewriting the file.

Schema v2 moved what belongs to one legal request out of `escalation` into a
`requests:` list (a case may now hold several) and let an action name several
mechanisms. A v1 record keeps validating: `upgrade_data` reads it as v2 in
memory, and `v1_path` maps a v2 field path back to where the v1 file has it,
so messages point at the author's own lines. `migrate_text` makes the same
change in the file itself with ruamel.yaml's round-trip mode, keeping every
comment, the key order and the formatting of everything it does not move.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from rca.yamlsafe import Path_

# (v1 path, v2 path) of each moved value; the first key of the request is its first move.
MOVES: tuple[tuple[Path_, Path_], ...] = (
    (("escalation", "process_type"), ("requests", 0, "process_type")),
    (("escalation", "additional_process_types"), ("requests", 0, "additional_process_types")),
    (("escalation", "triage_class"), ("requests", 0, "triage_class")),
    (("escalation", "requester", "addressed_to"), ("requests", 0, "addressed_to")),
    (("escalation", "requester", "correct_entity"), ("requests", 0, "correct_entity")),
    (("escalation", "requester"), ("requests", 0, "requester")),
    (("escalation", "data"), ("requests", 0, "data")),
)
REQUEST_KEYS = ("process_type", "additional_process_types", "triage_class", "requester",
                "addressed_to", "correct_entity", "data")  # fmt: skip


def source_version(data: Mapping[str, Any]) -> int:
    """The schema version a record's data is written in (a record without one: by its shape)."""
    version = data.get("schema_version")
    if version in (1, "1"):
        return 1
    if version in (2, "2"):
        return 2
    return 1 if "requests" not in data and isinstance(data.get("escalation"), dict) else 2


def upgrade_data(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 record's plain data as v2 (v2 data is returned as it is)."""
    if source_version(data) != 1:
        return data
    out = dict(data)
    out["schema_version"] = "2"
    escalation = data.get("escalation")
    if isinstance(escalation, dict):
        escalation = dict(escalation)
        request: dict[str, Any] = {}
        requester = escalation.pop("requester", None)
        for key in ("process_type", "additional_process_types", "triage_class"):
            if key in escalation:
                request[key] = escalation.pop(key)
        if isinstance(requester, dict):
            requester = dict(requester)
            moved = {
                k: requester.pop(k) for k in ("addressed_to", "correct_entity") if k in requester
            }
            request["requester"] = requester
            request.update(moved)
        elif requester is not None:
            request["requester"] = requester
        if "data" in escalation:
            request["data"] = escalation.pop("data")
        out["escalation"] = escalation
        out["requests"] = [request]
    actions = data.get("actions")
    if isinstance(actions, list):
        out["actions"] = [_upgrade_action(a) for a in actions]
    return out


def _upgrade_action(action: Any) -> Any:
    if isinstance(action, dict) and "mechanism" in action and "mechanisms" not in action:
        action = {
            ("mechanisms" if k == "mechanism" else k): ([v] if k == "mechanism" else v)
            for k, v in action.items()
        }
    return action


def v1_path(path: Path_) -> Path_:
    """Where a v2 field path is written in a v1 file."""
    for old, new in MOVES:
        if path[: len(new)] == new:
            return (*old, *path[len(new) :])
    if path[:1] == ("requests",):  # the request itself: the v1 escalation holds its parts
        return ("escalation", *path[3:]) if len(path) > 2 else ("escalation",)
    if len(path) >= 3 and path[0] == "actions" and path[2] == "mechanisms":
        return (*path[:2], "mechanism")
    return path


# --------------------------------------------------------------------------- the file


class MigrateError(Exception):
    """The file cannot be migrated as it is (not YAML, not a v1 record)."""


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")  # round trip: comments, order, quoting and flow style are kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def migrate_text(text: str) -> str:
    """The v2 text of a v1 record, comments and order kept; MigrateError if not v1."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError

    yaml = _yaml()
    yaml.indent(**_indents(text))
    try:
        doc = yaml.load(text)
    except YAMLError as exc:
        raise MigrateError(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(doc, CommentedMap):
        raise MigrateError("not a case record (a mapping of fields)")
    if source_version(doc) != 1:
        raise MigrateError("already schema_version 2; nothing to do")
    if "schema_version" in doc:
        doc["schema_version"] = 2
    else:
        doc.insert(0, "schema_version", 2)
    escalation = doc.get("escalation")
    if isinstance(escalation, CommentedMap):
        request = CommentedMap()
        requester = escalation.get("requester")
        for key in REQUEST_KEYS:
            source = escalation
            if key in ("addressed_to", "correct_entity"):
                if not isinstance(requester, CommentedMap):
                    continue
                source = requester
            if key in source:
                _move(source, request, key)
        position = list(doc).index("escalation") + 1
        doc.insert(position, "requests", CommentedSeq([request]))
    actions = doc.get("actions")
    if isinstance(actions, list):
        for action in actions:
            if isinstance(action, CommentedMap) and "mechanism" in action:
                _rename_to_list(action, "mechanism", "mechanisms")
    out = io.StringIO()
    yaml.dump(doc, out)
    return _blank_line_after("requests", out.getvalue())


def _blank_line_after(key: str, text: str) -> str:
    """A blank line between the new top-level block and the one after it, as between the rest."""
    lines = text.split("\n")
    try:
        start = lines.index(f"{key}:")
    except ValueError:
        return text
    for i in range(start + 1, len(lines)):
        if lines[i] and not lines[i].startswith((" ", "-")):
            if lines[i - 1].strip():
                lines.insert(i, "")
            break
    return "\n".join(lines)


def _move(source: Any, target: Any, key: str) -> None:
    """Move one key (with the comments attached to it) from one mapping to another."""
    comment = source.ca.items.pop(key, None)
    target[key] = source.pop(key)
    if comment is not None:
        target.ca.items[key] = comment


def _rename_to_list(mapping: Any, old: str, new: str) -> None:
    from ruamel.yaml.comments import CommentedSeq

    position = list(mapping).index(old)
    comment = mapping.ca.items.pop(old, None)
    value = mapping.pop(old)
    items = CommentedSeq(value if isinstance(value, list) else [value])
    items.fa.set_flow_style()
    mapping.insert(position, new, items)
    if comment is not None:
        mapping.ca.items[new] = comment


def _indents(text: str) -> dict[str, int]:
    """The file's own indentation (mapping step, sequence dash offset), so untouched parts stay."""
    mapping, offset = 2, 2
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        stripped = line.strip()
        if stripped.endswith(":") and not stripped.startswith(("#", "-")):
            nxt = lines[i + 1]
            base = len(line) - len(line.lstrip())
            inner = len(nxt) - len(nxt.lstrip())
            if nxt.strip().startswith("- "):
                offset = inner - base
                break
            if nxt.strip() and not nxt.strip().startswith("#") and inner > base:
                mapping = inner - base
    return {"mapping": mapping, "sequence": mapping + offset, "offset": offset}
