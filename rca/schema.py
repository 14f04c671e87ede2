"""The record's JSON Schema, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

import json

from rca.model import SCHEMA_VERSION, CaseReview

SCHEMA_FILE = "case-review.schema.json"
SCHEMA_ID = f"https://rca.invalid/schemas/case-review/v{SCHEMA_VERSION}"


def record_schema() -> dict[str, object]:
    """JSON Schema (draft 2020-12) of a case record."""
    schema = CaseReview.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def schema_files() -> dict[str, str]:
    """File name -> text of every schema file `rca schema` writes."""
    text = json.dumps(record_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return {SCHEMA_FILE: text}
