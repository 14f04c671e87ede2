"""Shared test helpers: golden text files, bundled cases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("RCA_UPDATE_GOLDEN") == "1"


@pytest.fixture
def golden() -> object:
    """Compare text with tests/golden/NAME; `RCA_UPDATE_GOLDEN=1 scripts/test.sh` rewrites them."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run RCA_UPDATE_GOLDEN=1 scripts/test.sh"
        assert text == path.read_text(encoding="utf-8"), (
            f"{name} differs from its golden file; if the change is intended, "
            "run RCA_UPDATE_GOLDEN=1 scripts/test.sh and review the diff"
        )

    return check


@pytest.fixture(scope="session")
def bundled_cases() -> list[Path]:
    """The example case records shipped in case_reviews/."""
    return sorted((ROOT / "case_reviews").glob("*.yaml"))
