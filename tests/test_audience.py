"""Audience profiles: the decision defaults every decision without its own decider or date uses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rca.audience import DecisionDefaults, load_profiles
from rca.errors import RcaError


def test_leadership_profile_names_a_decider_and_a_deadline_for_every_kind() -> None:
    defaults = load_profiles()["leadership"].decisions
    assert defaults.decider_for("anything") == "Head of LER"
    assert defaults.due("anything", date(2026, 3, 1)) == date(2026, 3, 15)
    assert defaults.decider_for("trend_shift") == "LER Quality lead"
    assert defaults.due("trend_calibration", date(2026, 3, 1)) == date(2026, 3, 31)


def test_a_kind_that_sets_only_the_decider_keeps_the_default_deadline() -> None:
    defaults = DecisionDefaults.model_validate(
        {"decider": "Director", "within_days": 7, "kinds": {"x": {"decider": "Counsel"}}}
    )
    assert (defaults.decider_for("x"), defaults.due("x", date(2026, 1, 1))) == (
        "Counsel",
        date(2026, 1, 8),
    )


def test_a_user_profile_overrides_the_decision_defaults(tmp_path: Path) -> None:
    builtin = Path(__file__).parent.parent / "templates" / "audiences" / "leadership.yaml"
    folder = tmp_path / "audiences"
    folder.mkdir()
    text = builtin.read_text(encoding="utf-8").replace("decider: Head of LER", "decider: COO", 1)
    (folder / "leadership.yaml").write_text(text, encoding="utf-8")
    assert load_profiles([tmp_path])["leadership"].decisions.decider == "COO"


def test_a_negative_deadline_is_a_clear_profile_error(tmp_path: Path) -> None:
    folder = tmp_path / "audiences"
    folder.mkdir()
    (folder / "x.yaml").write_text(
        "id: x\ntitle: X\ndescription: X\nclassification: X\nprivacy: {personal: category}\n"
        "deck: {sections: []}\nbrief: {template: t, sections: []}\n"
        "decisions: {within_days: -1}\n",
        encoding="utf-8",
    )
    with pytest.raises(RcaError, match=r"x\.yaml: not a valid audience profile"):
        load_profiles([tmp_path])
