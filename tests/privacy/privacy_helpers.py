"""Helpers for the privacy tests: a record's text fields, seeding them, loading a record dict."""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from rca import model
from rca.audience import PersonalData, Privacy, Profile, load_profiles
from rca.load import LoadedRecord, load_records
from rca.yamlsafe import read_yaml

DATA = Path(__file__).parent.parent / "data" / "privacy"
CANARY = DATA / "canary.yaml"

# The text types of the schema, by how much and what text they take. Role
# fields are not free text: they take only roles of the vocabulary (rca.roles),
# so no identifier can be planted there (tests/test_load.py checks the refusal).
TEXT_TYPES = {
    "text": model.Text,
    "restricted": model.Restricted,
    "line": model.Line,
}
_ROLE = re.compile(r"^[A-Za-z][A-Za-z0-9 &/()._,'-]*$")


@dataclass(frozen=True)
class TextField:
    """A free-text field of the record schema: where it is and what it accepts."""

    model: type[BaseModel]
    name: str
    kind: str  # text | restricted | line | role
    is_list: bool
    optional: bool


def text_fields(cls: type[BaseModel]) -> Iterator[TextField]:
    """Every free-text field of a model class (not recursing)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    for name in cls.model_fields:
        annotation = hints[name]
        optional = type(None) in typing.get_args(annotation)
        is_list = False
        for candidate in (annotation, *typing.get_args(annotation)):
            if typing.get_origin(candidate) is list:
                is_list, candidate = True, typing.get_args(candidate)[0]
            kind = next((k for k, t in TEXT_TYPES.items() if candidate == t), None)
            if kind is not None:
                yield TextField(cls, name, kind, is_list, optional)
                break


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models(arg)


Path_ = tuple[str | int, ...]


def seed(
    data: dict[str, Any],
    value_for: Callable[[TextField, Path_, str | None], str],
    cls: type[BaseModel] = model.CaseReview,
    path: Path_ = (),
) -> list[Path_]:
    """Set every free-text field in a record dict (in place), walking the model's fields.

    `value_for(field, path, current)` gives the new text. Optional text fields
    that are empty are filled too; lists of text get an item if empty. Returns
    the paths seeded. Identifier values and the requester agency are left as
    they are: they are the declarations.
    """
    seeded: list[Path_] = []
    fields = {f.name: f for f in text_fields(cls)}
    hints = typing.get_type_hints(cls, include_extras=True)
    for name in cls.model_fields:
        here = (*path, name)
        if name in fields:
            field = fields[name]
            if field.is_list:
                items = data.get(name) or [None]
                data[name] = [value_for(field, (*here, i), v) for i, v in enumerate(items)]
                seeded += [(*here, i) for i in range(len(items))]
            else:
                data[name] = value_for(field, here, data.get(name))
                seeded.append(here)
            continue
        for sub in _models(hints[name]):
            value = data.get(name)
            if isinstance(value, dict):
                seeded += seed(value, value_for, sub, here)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        seeded += seed(item, value_for, sub, (*here, i))
    return seeded


def fits(field: TextField, text: str) -> bool:
    """Whether a field accepts the text as it is."""
    if field.kind == "role":
        return 2 <= len(text) <= 80 and bool(_ROLE.fullmatch(text))
    if field.kind == "line":
        return 1 <= len(text) <= 200 and "\n" not in text
    return 1 <= len(text) <= 10_000


def read_record(path: Path) -> dict[str, Any]:
    """A record file as plain data, scalars as text the way rca reads them (for editing)."""
    located, problems = read_yaml(path)
    assert located is not None and not problems, problems
    assert isinstance(located.data, dict)
    return located.data


def load_dict(data: dict[str, Any], folder: Path, name: str = "case.yaml") -> LoadedRecord:
    """Write a record dict as YAML and load it the way rca does (raises RecordError)."""
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_records([path])[0]


def raw_profile(base: Profile | None = None, profile_id: str = "canary_raw") -> Profile:
    """A test-only audience cleared for raw identifiers and restricted text."""
    base = base or load_profiles()["specialist"]
    return base.model_copy(
        update={
            "id": profile_id,
            "privacy": Privacy(
                personal=PersonalData.RAW,
                allow=[model.Sensitivity.INTERNAL, model.Sensitivity.RESTRICTED],
            ),
        }
    )


def write_raw_profile(template_dir: Path, profile_id: str = "canary_raw") -> Path:
    """The raw test profile as a file in a user template folder (templates/audiences/)."""
    folder = template_dir / "audiences"
    folder.mkdir(parents=True, exist_ok=True)
    profile = raw_profile(profile_id=profile_id)
    path = folder / f"{profile_id}.yaml"
    path.write_text(
        yaml.safe_dump(profile.model_dump(mode="json"), sort_keys=False), encoding="utf-8"
    )
    return path
