"""The checked-in JSON Schema matches the model, and describes what editors need."""

from __future__ import annotations

import json
from pathlib import Path

from rca.schema import SCHEMA_FILE, schema_files

ROOT = Path(__file__).parent.parent


def test_checked_in_schema_is_fresh() -> None:
    checked_in = (ROOT / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8")
    assert checked_in == schema_files()[SCHEMA_FILE], "run `rca schema` and commit schemas/"


def test_schema_carries_sensitivity_and_forbids_unknown_fields() -> None:
    schema = json.loads(schema_files()[SCHEMA_FILE])
    identifier = schema["$defs"]["Identifier"]
    assert identifier["properties"]["value"]["x-sensitivity"] == "personal"
    assert identifier["additionalProperties"] is False
    assert schema["additionalProperties"] is False
