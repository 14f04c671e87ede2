"""`rca diff OLD NEW`: what changed between two versions of a review, for people and for tools.

OLD is the lint tests' clean record (schema 1); NEW is a copy with one change of
each kind the command compares (see `NEW_EDITS`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rca.cli import cli

DATA = Path(__file__).parent / "data"
CLEAN = DATA / "analyse" / "clean.yaml"

IDENTIFIER = "\nidentifiers:\n  - {id: I1, kind: email, value: k.okafor@example.net}\n"

# (old text, new text): one edit of each kind rca diff reports
NEW_EDITS = [
    ('version: "1.0"', 'version: "1.1"'),
    (
        "  status: draft\n  authoring_team: LER Quality\n",
        "  status: in_review\n  authoring_team: LER Quality\n  sign_offs:\n"
        "    - {role: Legal counsel, on: 2026-03-12, decision: changes_requested, "
        "note: Name the agency form.}\n"
        "  revisions:\n"
        '    - {version: "1.1", on: 2026-03-13, note: C6 added; A2 re-planned.}\n',
    ),
    ("    jurisdiction: US-NY\n", "    jurisdiction: US-NJ\n"),
    (  # C3: a hypothesis now, reworded
        "    statement: The emergency intake checklist has no step to record the requester's "
        "time zone.\n    category: process_policy\n    status: verified\n",
        "    statement: The emergency intake checklist does not ask for the requester's time "
        "zone.\n    category: process_policy\n    status: hypothesis\n",
    ),
    (  # K1 now feeds C2 instead of C1
        "    within_control: false\n    leads_to: [C1]\n",
        "    within_control: false\n    leads_to: [C2]\n",
    ),
    (  # A2 re-planned: owner, due, status, mechanism
        "    mechanism: checklist\n    owner: LER Operations\n    due: 2026-04-15\n"
        "    status: in_progress\n",
        "    mechanism: standardise\n    owner: LER Policy\n    due: 2026-05-15\n"
        "    status: planned\n",
    ),
    (  # a new cause, naming an identifier; a new action on it
        "why_chains:\n",
        "  - id: C6\n    statement: Emails from k.okafor@example.net were trusted without a "
        "call-back.\n    category: verification_measurement\n    leads_to: [C3]\n"
        "    status: hypothesis\nwhy_chains:\n",
    ),
]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    text = CLEAN.read_text(encoding="utf-8") + IDENTIFIER
    new = text
    for before, after in NEW_EDITS:
        assert new.count(before) == 1, before
        new = new.replace(before, after)
    return _write(tmp_path / "old.yaml", text), _write(tmp_path / "new.yaml", new)


def _diff(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["diff", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_the_changes_in_words_grouped_by_what_they_are_about(pair: tuple[Path, Path]) -> None:
    old, new = pair
    code, output = _diff(str(old), str(new))
    assert code == 0, output
    assert output == (
        "TST-0100: version 1.0 -> 1.1\n"
        f"  old: {old}\n"
        f"  new: {new}\n"
        "  read as the specialist audience sees it\n"
        "\n"
        "Review (1 changed)\n"
        "  changed  the review\n"
        "      version: 1.0 -> 1.1\n"
        "      status: Draft -> In review\n"
        "\n"
        "Legal requests (1 changed)\n"
        "  changed  R1 Emergency disclosure request\n"
        "      requester: jurisdiction: US-NY -> US-NJ\n"
        "\n"
        "Causes (1 added, 1 changed)\n"
        "  changed  C3 The emergency intake checklist does not ask for the requester's time "
        "zone\n"
        "      statement:\n"
        "        was: The emergency intake checklist has no step to record the requester's "
        "time zone.\n"
        "        now: The emergency intake checklist does not ask for the requester's time "
        "zone.\n"
        "      status: Verified -> Hypothesis\n"
        "  added    C6 Emails from Email A were trusted without a call-back\n"
        "\n"
        "Links between causes (2 added, 1 removed)\n"
        "  removed  K1 -> C1 “The agency's request form states times in local time without a "
        "zone” leads to “The lookup matched the session active at 09:05 UTC, held by another "
        "account”\n"
        "  added    K1 -> C2 “The agency's request form states times in local time without a "
        "zone” leads to “The lookup tool accepts a time without a zone and assumes UTC”\n"
        "  added    C6 -> C3 “Emails from Email A were trusted without a call-back” leads to "
        "“The emergency intake checklist does not ask for the requester's time zone”\n"
        "\n"
        "Corrective actions (1 changed)\n"
        "  changed  A2 Add a requester time-zone field to the emergency checklist\n"
        "      owner: LER Operations -> LER Policy\n"
        "      due: 15 Apr 2026 -> 15 May 2026\n"
        "      status: In progress -> Planned\n"
        "      mechanisms: Checklist -> Standardise\n"
        "\n"
        "Sign-offs (1 added)\n"
        "  added    Legal counsel on 12 Mar 2026: changes requested\n"
        "\n"
        "Revisions (1 added)\n"
        "  added    version 1.1 of 13 Mar 2026: C6 added; A2 re-planned.\n"
    )


def test_json_for_tools_codes_not_words(pair: tuple[Path, Path]) -> None:
    old, new = pair
    code, output = _diff(str(old), str(new), "--format", "json")
    assert code == 0, output
    data = json.loads(output)
    assert (data["case_id"], data["audience"]) == ("TST-0100", "specialist")
    assert data["old"] == {"path": str(old), "version": "1.0"}
    assert data["new"] == {"path": str(new), "version": "1.1"}
    kinds = [(c["section"], c["kind"], c["id"]) for c in data["changes"]]
    assert kinds == [
        ("review", "changed", ""),
        ("requests", "changed", "R1"),
        ("causes", "changed", "C3"),
        ("causes", "added", "C6"),
        ("links", "removed", "K1 -> C1"),
        ("links", "added", "K1 -> C2"),
        ("links", "added", "C6 -> C3"),
        ("actions", "changed", "A2"),
        ("sign_offs", "added", "legal counsel 2026-03-12"),
        ("revisions", "added", "1.1"),
    ]
    [action] = [c for c in data["changes"] if c["id"] == "A2"]
    assert action["fields"] == [
        {"field": "owner", "old": "LER Operations", "new": "LER Policy"},
        {"field": "due", "old": "2026-04-15", "new": "2026-05-15"},
        {"field": "status", "old": "in_progress", "new": "planned"},
        {"field": "mechanisms", "old": ["checklist"], "new": ["standardise"]},
    ]


@pytest.mark.parametrize(
    ("audience", "shown"), [("specialist", "Email A"), ("leadership", "the email address")]
)
def test_an_identifier_is_read_as_the_audience_reads_it(
    pair: tuple[Path, Path], audience: str, shown: str
) -> None:
    old, new = pair
    for fmt in ("text", "json"):
        code, output = _diff(str(old), str(new), "--audience", audience, "--format", fmt)
        assert code == 0, output
        assert shown in output
        for variant in ("k.okafor", "okafor@example", "K.OKAFOR", "k%2Eokafor"):
            assert variant.casefold() not in output.casefold(), (fmt, variant)


def test_the_same_review_twice_has_no_changes() -> None:
    code, output = _diff(str(CLEAN), str(CLEAN))
    assert code == 0
    assert output.endswith(
        "\nNo changes in the review, its requests, causes, links, actions, sign-offs or "
        "revisions.\n"
    )


def test_a_v1_record_and_its_migration_have_no_changes(tmp_path: Path) -> None:
    v1 = DATA / "migrate" / "ESC-0142.yaml"
    migrated = tmp_path / "ESC-0142.yaml"
    shutil.copy(v1, migrated)
    result = CliRunner().invoke(cli, ["migrate", str(migrated)])
    assert result.exit_code == 0, result.output
    assert migrated.read_text(encoding="utf-8") != v1.read_text(encoding="utf-8")
    code, output = _diff(str(v1), str(migrated), "--format", "json")
    assert code == 0, output
    assert json.loads(output)["changes"] == []


def test_two_different_cases_are_refused(tmp_path: Path) -> None:
    other = _write(
        tmp_path / "other.yaml",
        CLEAN.read_text(encoding="utf-8").replace("case_id: TST-0100", "case_id: TST-0101"),
    )
    code, output = _diff(str(CLEAN), str(other))
    assert code == 2
    assert output == (
        f"rca: {CLEAN} is case TST-0100 and {other} is case TST-0101: rca diff compares two "
        "versions of one review\n"
    )


def test_every_problem_of_both_files_at_once(tmp_path: Path) -> None:
    text = CLEAN.read_text(encoding="utf-8")
    old = _write(tmp_path / "old.yaml", text.replace("  status: draft", "  status: done"))
    new = _write(tmp_path / "new.yaml", text.replace("    owner: LER Tooling", "    owner: 42"))
    code, output = _diff(str(old), str(new))
    assert code == 1
    assert output == (
        f"{new}:127:12: actions[0].owner: expected a team or role such as 'LER specialist' "
        "(letters, digits, spaces, & / ( ) . , ' -); got '42'\n"
        f"{old}:8:11: review.status: expected one of: draft, in_review, approved, published; "
        "got 'done'\n"
    )


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _diff(str(CLEAN), str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "does not exist" in output
