"""Messages never print an identifier: validation errors in text, JSON and a build's summary."""

from __future__ import annotations

import json
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
