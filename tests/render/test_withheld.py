"""A profile that may not read internal text gets none of it, from the case or the findings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rca.analyse import analyse
from rca.audience import Privacy, Profile, load_profiles
from rca.load import check_record
from rca.privacy.redact import WITHHELD
from rca.render.context import build_context

CASE = Path(__file__).parent.parent.parent / "case_reviews" / "ESC-0142.yaml"


def test_withheld_text_stays_withheld_in_the_findings() -> None:
    loaded, _ = check_record(CASE)
    assert loaded is not None
    findings = analyse(loaded, today=date(2026, 11, 25))
    base = load_profiles()["leadership"]
    closed = base.model_copy(update={"privacy": Privacy(personal=base.privacy.personal, allow=[])})
    assert isinstance(closed, Profile)
    context = build_context(loaded, findings, closed, today=date(2026, 11, 25))
    seen = context["findings"]
    assert seen["problem"] == WITHHELD
    assert {c["statement"] for c in seen["causes"]} == {WITHHELD}
    assert all(ch["question"] in (None, WITHHELD) for ch in seen["chains"] if ch["declared"])
    statements = [c.statement for c in loaded.record.causes]
    text = repr(context)
    assert not any(s[:40] in text for s in statements)
