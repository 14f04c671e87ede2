"""Helpers for the analysis tests: fixture records, and records built in Python."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from rca.analyse import AnalysisConfig, Findings, analyse
from rca.load import LoadedRecord, check_record
from rca.model import CaseReview
from rca.yamlsafe import Located

DATA = Path(__file__).parent.parent / "data" / "analyse"
TODAY = date(2026, 3, 10)  # the date the fixtures are analysed on (overdue actions)


def load(name: str) -> LoadedRecord:
    """A fixture record from tests/data/analyse, which must be valid."""
    loaded, problems = check_record(DATA / name)
    assert loaded is not None, "\n".join(map(str, problems))
    return loaded


def analyse_file(name: str, config: AnalysisConfig | None = None) -> Findings:
    """Findings for a fixture record, as of TODAY."""
    return analyse(load(name), config, today=TODAY)


def wrap(data: dict[str, Any]) -> LoadedRecord:
    """A record built in Python, wrapped like a loaded one (no file positions)."""
    record = CaseReview.model_validate(data)
    return LoadedRecord(Path("built.yaml"), record, Located(data), "")


@pytest.fixture
def clean_data() -> dict[str, Any]:
    """clean.yaml as plain data, to change in a test."""
    return copy.deepcopy(_clean())


_CACHE: dict[str, Any] = {}


def _clean() -> dict[str, Any]:
    if "clean" not in _CACHE:
        _CACHE["clean"] = yaml.safe_load((DATA / "clean.yaml").read_text(encoding="utf-8"))
    return _CACHE["clean"]


@pytest.fixture
def analyse_data() -> Callable[..., Findings]:
    """Analyse a record given as data, as of TODAY."""

    def run(data: dict[str, Any], config: AnalysisConfig | None = None) -> Findings:
        return analyse(wrap(data), config, today=TODAY)

    return run
