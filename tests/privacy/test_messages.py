"""Messages never print an identifier: validation errors in text, JSON and a build's summary."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from privacy_helpers import DATA

from rca.cli import cli

# Values used nowhere else in the tests or the bundled cases.
EMAIL = "rook.tallow@mail.example"
PHONE = "+44 20 7946 0733"


@pytest.fixture
def bad_record(tmp_path: Path) -> Path:
    """The guard's test record with identifiers where roles belong (one declared, two not)."""
    text = (DATA / "guard.yaml").read_text(encoding="utf-8")
    text = text.replace("actor: LER specialist", f"actor: {EMAIL}", 1)
    # A declared name and an undeclared phone number where roles belong.
    text = text.replace("authoring_team: LER Quality", "authoring_team: Maren Oakhurst", 1)
    text = text.replace('version: "1.0"', f"version: '{PHONE}'", 1)
    text = text.replace(
        "identifiers:\n",
        "identifiers:\n  - {kind: person_name, value: Maren Oakhurst, label: subscriber}\n",
    )
    path = tmp_path / "TST-0142.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def values_in(text: str) -> list[str]:
    return [v for v in (EMAIL, "rook.tallow", "Maren Oakhurst", "Oakhurst", PHONE) if v in text]


def test_validate_masks_declared_and_detected_values(bad_record: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(bad_record)])
    assert result.exit_code == 1, result.output
    assert values_in(result.output) == []
    assert "got 'r…@…' (an email address)" in result.output
    assert "(a declared person_name)" in result.output
    assert "(a phone number)" in result.output


def test_validate_json_masks_them_too(bad_record: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(bad_record), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    assert values_in(result.output) == []


def test_build_summary_json_masks_them(bad_record: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    result = CliRunner().invoke(
        cli,
        ["build", str(bad_record.parent), "--out", str(tmp_path / "out"), "--format", "html",
         "--jobs", "1", "--summary-json", str(summary)],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "r\\u2026@\\u2026" in summary.read_text(encoding="utf-8")
    assert values_in(summary.read_text(encoding="utf-8")) == []
    assert values_in(result.output) == []


def test_trends_tables_scrub_ids_holding_identifiers(tmp_path: Path) -> None:
    # A cause id and an action id made of a declared account id: the trends
    # tables (and so CSV, JSON, charts and notes) print them scrubbed.
    import yaml
    from privacy_helpers import read_record

    cases = tmp_path / "cases"
    cases.mkdir()
    root = Path(__file__).parent.parent.parent / "case_reviews"
    (cases / "ESC-0157.yaml").write_bytes((root / "ESC-0157.yaml").read_bytes())
    data = read_record(root / "ESC-0142.yaml")
    data["identifiers"].append({"id": "I99", "kind": "account_id", "value": "5810447399"})
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    cause, action = data["causes"][0]["id"], data["actions"][0]["id"]
    text = re.sub(rf"\b{cause}\b", "C-5810447399", text)
    text = re.sub(rf"\b{action}\b", "A-5810447399", text)
    (cases / "ESC-0142.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["trends", str(cases), "--out", str(out), "--format", "csv,json", "--today", "2026-11-25"],
    )
    assert result.exit_code == 0, result.output
    written = [p for p in (out / "trends").rglob("*") if p.is_file()]
    assert written
    for path in written:
        body = path.read_text(encoding="utf-8")
        assert "5810447399" not in body, path
    actions = (out / "trends" / "tables" / "case_actions.csv").read_text(encoding="utf-8")
    assert "ESC-0142,A-[account]," in actions
