"""Loading records: every class of bad input gets one exact, located message."""

from __future__ import annotations

from pathlib import Path

import pytest

from rca.errors import RecordError, UsageError
from rca.load import check_record, check_records, load_records
from rca.model import Sensitivity, sensitivity_of
from rca.yamlsafe import MAX_DEPTH

DATA = Path(__file__).parent / "data" / "load"
VALID = (DATA / "valid.yaml").read_text(encoding="utf-8")


def messages(path: Path) -> list[str]:
    """Every problem reported for one file, as the CLI prints them."""
    _, problems = check_record(path)
    return [str(p) for p in problems]


def variant(tmp_path: Path, old: str, new: str, name: str = "case.yaml") -> Path:
    """The valid fixture with one substitution, written to a temp file."""
    assert old in VALID, old
    path = tmp_path / name
    path.write_text(VALID.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "syntax_error.yaml",
            "3:8: YAML syntax error: did not find expected ',' or ']' "
            "(while parsing a flow sequence started at line 2)",
        ),
        (
            "wrong_type.yaml",
            "26:22: impact.accounts_affected: expected a whole number; got 'several'",
        ),
        ("missing_field.yaml", "23:10: problem.statement: field required"),
        (
            "unknown_field.yaml",
            "21:5: timeline[0].owner: unknown field 'owner'; it belongs under actions[]; here "
            "expected one of: id, at, precision, request, actor, step, what, expected, deviation, "
            "milestone, evidence",
        ),
        (
            "duplicate_key.yaml",
            "30:3: impact.accounts_affected: duplicate key 'accounts_affected' (first at line 26)",
        ),
        (
            "alias_bomb.yaml",
            "1:4: a: anchors and aliases (&name, *name) are not allowed in case records; "
            "write the value out",
        ),
        (
            "python_tag.yaml",
            "2:8: title: tag '!!python/object/apply:os.system' is not allowed; remove it "
            "(quote the value if it is text)",
        ),
    ],
)
def test_each_class_of_error_gets_one_located_message(fixture: str, expected: str) -> None:
    path = DATA / fixture
    assert messages(path) == [f"{path}:{expected}"]


def test_valid_fixture_loads_and_keeps_yaml_12_meanings() -> None:
    loaded, problems = check_record(DATA / "valid.yaml")
    assert problems == []
    assert loaded is not None
    record = loaded.record
    assert record.version == "1.10"  # not the float 1.1
    assert record.primary_request.requester.jurisdiction == "NO"  # Norway, not False
    assert record.timeline[0].at.utcoffset() is not None
    assert loaded.where(("impact", "accounts_affected")) == (29, 22)


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    assert messages(path) == [f"{path}:1:1: file is 50.0 MiB; a case record may be at most 2 MiB"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    addressed_to: Example Platform LLC",
            "    addressed_to: Example Platform LLC\n    correct_entity: NO",
            "17:21: escalation.requester.correct_entity: expected true or false; 'NO' is not a "
            "boolean in YAML 1.2, write true or false",
        ),
        (
            "accounts_affected: 1",
            "accounts_affected: 0123",
            "29:22: impact.accounts_affected: expected a whole number; '0123' has a leading zero "
            "(octal in YAML 1.1), write it without the zero, or quote it if it is a code",
        ),
        (
            "at: 2026-03-04T09:15:00-05:00",
            "at: 2026-03-04T09:15:00",
            "21:9: timeline[0].at: timestamp '2026-03-04T09:15:00' has no time zone; add one, "
            "e.g. 2026-03-04T09:15:00-05:00 or 2026-03-04T14:15:00Z",
        ),
        (
            "at: 2026-03-04T09:15:00-05:00",
            "at: 1700000000",
            "21:9: timeline[0].at: expected a timestamp with a time zone, e.g. "
            "2026-03-04T09:15:00-05:00",
        ),
        (
            "case_id: TST-0001",
            "case_id: tst_1",
            "2:10: case_id: expected a case id like ESC-0142 (2-10 capital letters or digits "
            "starting with a letter, a hyphen, then up to 20 capital letters, digits or hyphens); "
            "got 'tst_1'",
        ),
        (
            "  process_type: subpoena",
            "  process_type: subpena",
            "9:17: escalation.process_type: expected one of: subpoena, court_order_2703d, "
            "search_warrant, emergency_disclosure, preservation, nondisclosure_order, pen_register, "
            "wiretap, ncmec_report, mlat_cloud_act, foreign_legal_process, other; got 'subpena'; "
            "did you mean 'subpoena'?",
        ),
        (
            "title: Minimal valid record",
            "title: ''",
            "3:8: title: must not be empty",
        ),
        (
            "    what: Subpoena received through the portal.",
            "    what: Subpoena received through the portal.\n    deviation: true",
            "21:5: timeline[0]: a deviation needs 'expected': what should have happened at this "
            "step",
        ),
        (
            "  status: draft",
            "  status: approved",
            "6:3: review: status 'approved' needs at least one sign_off with decision approved",
        ),
        (
            "version: 1.10",
            "version: 1.10\ntaxonomy: fishy",
            "5:11: taxonomy: unknown taxonomy 'fishy'; expected one of: 4p, 6m, ler",
        ),
        (
            "timeline:",
            "causes:\n  - {id: C1, statement: Cause., category: method}\ntimeline:",
            "21:43: causes[0].category: 'method' is not a category of taxonomy 'ler'; expected "
            "one of: people, process_policy, tools_systems, legal_process_requester, "
            "data_identifiers, legal_jurisdiction, verification_measurement, environment_external",
        ),
        (
            "timeline:",
            "service_levels:\n  - {process_type: subpoena, metric: respond, target: 1:20}\n"
            "timeline:",
            "21:55: service_levels[0].target: expected a duration such as 30m, 4h, 5d, 2w or PT4H "
            "(YAML 1.1 would read it as a base-60 number)",
        ),
        (
            "timeline:",
            "identifiers:\n  - {kind: email, value: not-an-address}\ntimeline:",
            "21:5: identifiers[0]: kind email needs an address like a@b.c",
        ),
        (
            "version: 1.10",
            "version: 1.10\ntime_zone: Eastern",
            "5:12: time_zone: expected an IANA time zone name such as America/New_York, "
            "Europe/Berlin or UTC; got 'Eastern'",
        ),
        (
            "case_id: TST-0001",
            "case_id: TST-0001\n---\ncase_id: TST-0002",
            "3:1: a file holds one case record; found a second document (---)",
        ),
    ],
)
def test_yaml_surprises_and_schema_rules_give_exact_hints(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = variant(tmp_path, old, new)
    assert messages(path) == [f"{path}:{expected}"]


def test_misspelt_field_reports_the_typo_and_the_missing_field(tmp_path: Path) -> None:
    path = variant(tmp_path, "  summary: A routine", "  summry: A routine")
    assert messages(path) == [
        f"{path}:9:3: escalation.summary: field required",
        f"{path}:19:3: escalation.summry: unknown field 'summry'; did you mean 'summary'?",
    ]


def test_every_problem_in_a_file_is_reported_in_line_order(tmp_path: Path) -> None:
    path = variant(tmp_path, "accounts_affected: 1", "accounts_affected: lots")
    path.write_text(
        path.read_text()
        .replace("    step: intake", "    step: intak")
        .replace("  severity: recordable", "  severity: huge")
    )
    found = messages(path)
    assert [m.split(": ")[1] for m in found] == [
        "escalation.severity",
        "timeline[0].step",
        "impact.accounts_affected",
    ]
    lines = [int(m.split(":")[1]) for m in found]
    assert lines == sorted(lines)


def test_duplicate_key_is_reported_beside_schema_problems(tmp_path: Path) -> None:
    path = variant(tmp_path, "  life_safety: none", "  life_safety: none\n  life_safety: maybe")
    path.write_text(path.read_text().replace("  severity: recordable", "  severity: huge"))
    found = messages(path)
    assert len(found) == 2
    assert found[1].endswith(
        "33:3: impact.life_safety: duplicate key 'life_safety' (first at line 32)"
    )
    assert "escalation.severity" in found[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "1:1: file is empty; expected a case record (a mapping)"),
        (b"- a\n- b\n", "1:1: expected a case record (a mapping of fields)"),
        (
            b"title: caf\xe9\n",
            "1:11: file is not valid UTF-8 text: byte 0xE9 here is not UTF-8 "
            "(the file may be Latin-1 or Windows-1252); save it as UTF-8",
        ),
        (b"{a: 1}: x\n", "1:1: keys must be plain text"),
    ],
)
def test_malformed_files(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    assert messages(path) == [f"{path}:{expected}"]


def test_nesting_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    (message,) = messages(path)
    assert message.endswith(f"nesting deeper than {MAX_DEPTH} levels")


def test_text_is_normalised_at_the_boundary(tmp_path: Path) -> None:
    path = variant(
        tmp_path, "title: Minimal valid record", 'title: "Cafe\\u0301 \\u202eevil\\x07 title  "'
    )
    loaded, problems = check_record(path)
    assert problems == [] and loaded is not None
    assert loaded.record.title == "Café evil title"


def test_case_ids_are_unique_across_files(tmp_path: Path) -> None:
    variant(tmp_path, "title: Minimal", "title: First", name="a.yaml")
    variant(tmp_path, "title: Minimal", "title: Second", name="b.yaml")
    results = check_records([tmp_path])
    assert [str(p) for r in results for p in r.problems] == [
        f"{tmp_path / 'b.yaml'}:2:10: case_id: case id 'TST-0001' is also used by "
        f"{tmp_path / 'a.yaml'}"
    ]
    with pytest.raises(RecordError):
        load_records([tmp_path])


def test_missing_path_and_empty_folder_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or folder"):
        load_records([tmp_path / "nope"])
    with pytest.raises(UsageError, match="no case records"):
        load_records([tmp_path])


def test_fields_carry_sensitivity_tags() -> None:
    from rca.model import Cause, Evidence, Identifier, Requester

    assert sensitivity_of(Identifier, "value") is Sensitivity.PERSONAL
    assert sensitivity_of(Requester, "agency") is Sensitivity.PERSONAL
    assert sensitivity_of(Cause, "statement") is Sensitivity.INTERNAL
    assert sensitivity_of(Evidence, "source") is Sensitivity.RESTRICTED
    assert sensitivity_of(Cause, "category") is Sensitivity.PUBLIC


def test_every_text_field_is_tagged() -> None:
    """A text field without a sensitivity tag would slip past audience redaction."""
    from rca.schema import record_schema

    untagged: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            is_text = node.get("type") == "string" and not {"enum", "const", "format"} & set(node)
            if is_text and "x-sensitivity" not in node:
                untagged.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(record_schema(), "#")
    assert untagged == []


def test_graph_size_is_capped(tmp_path: Path) -> None:
    from rca.model import MAX_ITEMS

    causes = "".join(
        f"  - {{id: C{i}, statement: Cause {i}., category: people, leads_to: [problem]}}\n"
        for i in range(MAX_ITEMS + 1)
    )
    path = variant(tmp_path, "timeline:", f"causes:\n{causes}timeline:")
    assert messages(path) == [f"{path}:21:3: causes: at most {MAX_ITEMS} item(s) allowed"]


def test_reference_time_zone_and_reflections_load(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "version: 1.10",
        "version: 1.10\ntime_zone: America/Chicago\nwent_well: [Call-back caught it.]\n"
        "lucky: [The account was dormant.]",
    )
    (loaded,) = load_records([path])
    assert loaded.record.time_zone == "America/Chicago"
    assert loaded.record.went_well == ["Call-back caught it."]
    assert loaded.record.lucky == ["The account was dormant."]


# ---------------------------------------------------------------- every problem at once


def test_schema_cross_field_and_reference_problems_arrive_in_one_pass(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "  life_safety: none",
        "  life_safety: none\n"
        "causes:\n"
        "  - {id: C1, statement: S, category: people, leads_to: [C9], evidence: [EV9]}\n"
        "  - {id: C1, statement: T, category: peple, leads_to: [problem]}\n"
        "actions:\n"
        "  - {id: A1, title: T, addresses: [C1], type: prevent, mechanism: checklist, "
        "due: soon}",
    )
    text = path.read_text().replace(
        "    milestone: request_received",
        "    milestone: request_received\n"
        "  - {at: 2026-03-05T09:15:00-05:00, actor: LER specialist, step: intake, what: W, "
        "milestone: request_received}",
    )
    path.write_text(text)
    assert messages(path) == [
        f"{path}:26:94: timeline[1].milestone: milestone 'request_received' is already used by "
        "timeline[0]; each milestone marks one event",
        f"{path}:35:57: causes[0].leads_to[0]: 'C9' is not a cause or 'problem' in this record",
        f"{path}:35:73: causes[0].evidence[0]: evidence 'EV9' is not defined under evidence:",
        f"{path}:36:10: causes[1].id: id 'C1' is already used by causes[0]; ids must be unique",
        f"{path}:36:38: causes[1].category: 'peple' is not a category of taxonomy 'ler'; expected "
        "one of: people, process_policy, tools_systems, legal_process_requester, "
        "data_identifiers, legal_jurisdiction, verification_measurement, environment_external",
        f"{path}:38:83: actions[0].due: expected a date as YYYY-MM-DD, e.g. 2026-03-04",
    ]


def test_null_means_not_given_for_optional_fields(tmp_path: Path) -> None:
    path = variant(
        tmp_path, "  life_safety: none", "  life_safety: none\n  regulatory_reportable: null"
    )
    path.write_text(
        path.read_text().replace("    requested: [basic_subscriber_info]", "    requested: ~")
    )
    loaded, problems = check_record(path)
    assert problems == [] and loaded is not None
    assert loaded.record.impact.regulatory_reportable is None
    assert loaded.record.primary_request.data.requested == []


def test_a_key_in_the_wrong_place_says_where_it_belongs(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "  life_safety: none",
        "  life_safety: none\ncauses:\n  - id: C1\n    statement: S\n    category: people\n"
        "    leads_to: [problem]\n    together_with: [C2]\n"
        "  - {id: C2, statement: T, category: people, leads_to: [problem]}",
    )
    assert messages(path) == [
        f"{path}:38:5: causes[0].together_with: unknown field 'together_with'; it belongs inside "
        "a leads_to link, e.g. leads_to: [{to: problem, together_with: [C2]}]; here expected one "
        "of: id, statement, title, category, kind, leads_to, status, within_control, evidence, code"
    ]
