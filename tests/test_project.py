"""The organisation's vocabulary: roles, taxonomies, cause-code labels, the project file."""

from __future__ import annotations

from pathlib import Path

import pytest

from rca.analyse import analyse
from rca.audience import load_profiles
from rca.errors import RecordError
from rca.load import check_record, check_records
from rca.project import find_project_file, load_project
from rca.render.context import build_context

DATA = Path(__file__).parent / "data" / "load"
VALID = (DATA / "valid.yaml").read_text(encoding="utf-8")
ROOT = Path(__file__).parent.parent


def write(folder: Path, old: str = "", new: str = "", name: str = "case.yaml") -> Path:
    """The valid fixture, with one substitution, written into `folder`."""
    assert old in VALID, old
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(VALID.replace(old, new, 1) if old else VALID, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    _, problems = check_record(path)
    return [str(p) for p in problems]


ROLE_HELP = (
    "expected a role of the vocabulary, never a person's name, e.g. 'LER specialist', "
    "'Legal counsel' (add your own under [roles] extra in rca.toml); got "
)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    actor: LER specialist",
            "    actor: Jane Smith",
            f"22:12: timeline[0].actor: {ROLE_HELP}'Jane Smith'",
        ),
        (
            "  authoring_team: LER Quality",
            "  authoring_team: LER Qualty",
            f"7:19: review.authoring_team: {ROLE_HELP}'LER Qualty'; did you mean 'LER Quality'?",
        ),
    ],
)
def test_people_are_roles_from_the_vocabulary(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = write(tmp_path, old, new)
    assert messages(path) == [f"{path}:{expected}"]


def test_an_owner_named_as_a_person_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "  life_safety: none",
        "  life_safety: none\ncauses:\n  - {id: C1, statement: S, category: people, "
        "leads_to: [problem]}\nactions:\n  - {id: A1, title: T, addresses: [C1], type: prevent, "
        "mechanism: checklist, owner: Jane Smith}",
    )
    assert messages(path) == [f"{path}:36:85: actions[0].owner: {ROLE_HELP}'Jane Smith'"]


def test_roles_match_without_regard_to_case_and_keep_the_vocabulary_spelling(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "    actor: LER specialist", "    actor: ler  SPECIALIST")
    loaded, problems = check_record(path)
    assert problems == [] and loaded is not None
    assert loaded.record.timeline[0].actor == "LER specialist"


def test_a_shared_owner_is_two_roles_joined_by_with(tmp_path: Path) -> None:
    path = write(tmp_path, "    actor: LER specialist", "    actor: LER Policy with legal counsel")
    loaded, problems = check_record(path)
    assert problems == [] and loaded is not None
    assert loaded.record.timeline[0].actor == "LER Policy with Legal counsel"


def test_the_project_file_adds_roles_and_is_found_walking_up(tmp_path: Path) -> None:
    (tmp_path / "rca.toml").write_text('[roles]\nextra = ["Regional LER lead"]\n')
    path = write(
        tmp_path / "2026" / "q1", "    actor: LER specialist", "    actor: Regional LER lead"
    )
    assert find_project_file(path) == tmp_path / "rca.toml"
    assert messages(path) == []
    outside = write(
        tmp_path.parent / "elsewhere", "    actor: LER specialist", "    actor: Regional LER lead"
    )
    assert messages(outside) == [
        f"{outside}:22:12: timeline[0].actor: {ROLE_HELP}'Regional LER lead'"
    ]


@pytest.mark.parametrize("taxonomy", ["6m", "4p"])
def test_builtin_taxonomies_are_all_usable(tmp_path: Path, taxonomy: str) -> None:
    category = {"6m": "method", "4p": "procedures"}[taxonomy]
    path = write(
        tmp_path,
        "version: 1.10",
        f"version: 1.10\ntaxonomy: {taxonomy}",
    )
    text = path.read_text().replace(
        "  life_safety: none",
        f"  life_safety: none\ncauses:\n  - {{id: C1, statement: S, category: {category}, "
        "leads_to: [problem]}",
    )
    path.write_text(text)
    loaded, problems = check_record(path)
    assert problems == [] and loaded is not None
    assert (
        analyse(loaded).causes[0].category_label == {"6m": "Method", "4p": "Procedures"}[taxonomy]
    )


def test_a_taxonomy_id_in_the_wrong_form_says_what_is_expected(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1.10", "version: 1.10\ntaxonomy: Six M")
    assert messages(path) == [
        f"{path}:5:11: taxonomy: expected a taxonomy id like ler, 6m or 4p; got 'Six M'"
    ]


PROJECT = """\
taxonomy = "acme"

[taxonomies.acme]
title = "Acme LER"
categories = { intake = { label = "Intake desk" }, tooling = { label = "Tooling", hint = "tools" } }

[cause_codes]
us_checklist = "US agency checklist"

[service_levels.subpoena]
respond = "10d"

[audiences.leadership]
decider = "legal counsel"
within_days = 10
"""


def test_the_project_file_names_taxonomies_labels_and_defaults(tmp_path: Path) -> None:
    (tmp_path / "rca.toml").write_text(PROJECT)
    path = write(
        tmp_path,
        "  life_safety: none",
        "  life_safety: none\ncauses:\n  - {id: C1, statement: S, category: intake, "
        "code: us_checklist, leads_to: [problem]}",
    )
    loaded, problems = check_record(path)
    assert problems == [] and loaded is not None
    assert loaded.record.taxonomy == "acme"  # the project's default
    project = load_project(tmp_path / "rca.toml")
    assert project.audiences["leadership"].decider == "Legal counsel"
    assert project.service_levels["subpoena"]["respond"].days == 10
    findings = analyse(loaded)
    assert findings.causes[0].category_label == "Intake desk"
    profile = load_profiles()["leadership"]
    context = build_context(loaded, findings, profile)
    labels = context["labels"]
    assert context["audience"]["decisions"]["decider"] == "Legal counsel"
    assert context["audience"]["decisions"]["within_days"] == 10
    assert labels["us_checklist"] == "US agency checklist"  # not "Us checklist"
    assert labels["intake"] == "Intake desk"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[roles]\nextr = []\n", ": roles.extr: unknown key 'extr'; did you mean 'extra'?"),
        (
            'taxonomy = "acme"\n',
            ": taxonomy: unknown taxonomy 'acme'; expected one of: 4p, 6m, ler",
        ),
        ("[roles\n", ":1:7: not valid TOML: Expected ']' at the end of a table declaration"),
        (
            '[service_levels.subpoena]\nrespond = "soon"\n',
            ": service_levels.subpoena.respond: expected a duration such as 4h, 5d or PT4H; "
            "got 'soon'",
        ),
        (
            '[audiences.leadership]\ndecider = "Jane Smith"\n',
            ": audiences.leadership.decider: 'Jane Smith' is not a role of the vocabulary",
        ),
    ],
)
def test_a_broken_project_file_is_reported_with_its_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "rca.toml").write_text(text)
    record = write(tmp_path)
    results = check_records([record])
    shown = [str(p) for r in results for p in r.problems]
    assert shown == [
        f"{tmp_path / 'rca.toml'}{expected}",
        f"{record}: not checked: its project file has problems",
    ]
    with pytest.raises(RecordError):
        load_project(tmp_path / "rca.toml")


def test_bundled_cases_use_their_project_file() -> None:
    assert find_project_file(ROOT / "case_reviews" / "ESC-0142.yaml") == (
        ROOT / "case_reviews" / "rca.toml"
    )
    project = load_project(ROOT / "case_reviews" / "rca.toml")
    assert "Regional LER lead" in project.roles.roles
