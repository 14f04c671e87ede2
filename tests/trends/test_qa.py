"""Reading QA files: the bundled data, every class of bad input with its exact message, Parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from rca.errors import RecordError, UsageError
from rca.trends.qa import (
    MAX_SHOWN,
    QaTable,
    find_qa_file,
    read_qa,
    read_qa_columns,
    read_qa_folder,
)

ROOT = Path(__file__).parent.parent.parent
QA = ROOT / "case_reviews" / "qa"
HEADER = (
    "item_id,handled_on,process_type,specialist,reviewer,"
    "legal_scope_correct,account_match_correct,error_type,severity\n"
)


def messages(path: Path, kind: str = "assessments") -> list[str]:
    with pytest.raises(RecordError) as caught:
        read_qa(path, kind=kind)  # type: ignore[arg-type]
    return [str(p).replace(str(path), path.name) for p in caught.value.problems]


def write(tmp_path: Path, text: str, name: str = "qa.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(table: QaTable) -> list[tuple[object, ...]]:
    return table.con.execute(f'SELECT * FROM "{table.name}" ORDER BY ALL').fetchall()


# --------------------------------------------------------------------------- the bundled data


def test_bundled_folder_reads_cleanly() -> None:
    data = read_qa_folder(QA)
    assert data.assessments.rows == 4200
    assert data.calibration is not None and data.calibration.kind == "calibration"
    assert data.assessments.attributes == (
        "account_match_correct",
        "legal_scope_correct",
        "requester_verified",
        "notice_decision_correct",
        "production_complete",
        "preservation_timely",
    )
    con = data.assessments.con
    types = {r[0]: r[1] for r in con.execute("DESCRIBE assessments").fetchall()}
    assert types["handled_on"] == "DATE"
    assert types["legal_scope_correct"] == "BOOLEAN"
    # na became NULL: preservation_timely applies only where preservation was asked for
    nulls = con.execute("SELECT count(*) - count(preservation_timely) FROM assessments").fetchall()
    assert nulls[0][0] > 2000


def test_folder_without_assessments_or_with_two_formats(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no assessments\.csv or assessments\.parquet"):
        read_qa_folder(tmp_path)
    write(tmp_path, HEADER, "assessments.csv")
    write(tmp_path, "", "assessments.parquet")
    with pytest.raises(UsageError, match=r"both assessments\.csv and assessments\.parquet"):
        find_qa_file(tmp_path, "assessments")


def test_folder_collects_both_files_problems(tmp_path: Path) -> None:
    write(
        tmp_path, HEADER + "QA-1,2025-04-01,subpoena,SPEC-01,REV-A,yes,pass,,\n", "assessments.csv"
    )
    write(tmp_path, HEADER + "QA-1,2025-04-01,subpoena,SPEC-01,,pass,pass,,\n", "calibration.csv")
    with pytest.raises(RecordError) as caught:
        read_qa_folder(tmp_path)
    assert [(Path(p.path).name, p.line, p.field) for p in caught.value.problems] == [
        ("assessments.csv", 2, "legal_scope_correct"),
        ("calibration.csv", 2, "reviewer"),
    ]


# --------------------------------------------------------------------------- bad CSV


def test_every_bad_value_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "QA-1,2025-04-01,subpoena,SPEC-01,REV-A,pass,pass,,\n"
        + "QA-2,04/02/2025,warrant,Jane Doe,REV-A,maybe,pass,,\n"
        + "QA-3,2025-02-30,subpoena,SPEC-01,REV-B,fail,pass,,\n"
        + "QA-4,2025-04-03,subpoena,SPEC-01,REV-B,pass,pass,over_disclosure,serious\n"
        + "QA-1,2025-04-03,subpoena,SPEC-01,,fail,na,over_disclosur,\n"
        + "QA 6,2025-04-03,subpoena,SPEC-01,REV-B,pass,pass,,reportable\n",
    )
    assert messages(path) == [
        "qa.csv:3:2: handled_on: expected a date as YYYY-MM-DD, e.g. 2026-03-04; got '04/02/2025'",
        "qa.csv:3:3: process_type: expected one of: subpoena, court_order_2703d, search_warrant, "
        "emergency_disclosure, preservation, nondisclosure_order, pen_register, wiretap, "
        "ncmec_report, mlat_cloud_act, foreign_legal_process, other; got 'warrant'; did you mean 'search_warrant'?",
        "qa.csv:3:4: specialist: expected a pseudonym like SPEC-07 or REV-A (capitals and digits "
        "around one hyphen), never a person's name; got 'Jane Doe'",
        "qa.csv:3:6: legal_scope_correct: expected pass, fail or na; got 'maybe'",
        "qa.csv:4:2: handled_on: not a real date: '2025-02-30'",
        "qa.csv:4:8: error_type: legal_scope_correct failed, so error_type and severity must "
        "name the error",
        "qa.csv:5:8: error_type: error_type is 'over_disclosure' but no attribute failed",
        "qa.csv:6:1: item_id: item 'QA-1' is already on line 2; assess each item once here "
        "(repeat scores by several reviewers go in the calibration file)",
        "qa.csv:6:5: reviewer: must not be empty",
        "qa.csv:6:8: error_type: expected one of: over_disclosure, under_production, "
        "wrong_account, wrong_process_category, wrong_date_time, no_authority, technical_error, "
        "workflow; got 'over_disclosur'; did you mean 'over_disclosure'?",
        "qa.csv:6:9: severity: an item with an error_type needs a severity: near_miss, "
        "recordable, reportable, serious",
        "qa.csv:7:1: item_id: expected an item id like QA-2025-00123 (letters, digits, _ . : / -); "
        "got 'QA 6'",
        "qa.csv:7:8: error_type: severity is 'reportable' but error_type is empty; name the error",
    ]


def test_calibration_allows_an_item_per_reviewer_but_not_twice(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "CAL-1,2025-04-01,subpoena,SPEC-01,REV-A,pass,pass,,\n"
        + "CAL-1,2025-04-01,subpoena,SPEC-01,REV-B,pass,pass,,\n"
        + "CAL-1,2025-04-01,subpoena,SPEC-01,REV-A,pass,pass,,\n",
    )
    assert messages(path, "calibration") == [
        "qa.csv:4:5: reviewer: REV-A already scored item 'CAL-1' on line 2"
    ]


def test_broken_lines_are_reported_once_each(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "QA-1,2025-04-01,subpoena,SPEC-01,REV-A,pass,pass,,\n"
        + "QA-2,2025-04-01,subpoena,SPEC-01,REV-A\n"
        + "QA-3,2025-04-01,subpoena,SPEC-01,REV-A,pass,pass,,,extra\n"
        + 'QA-4,2025-04-01,subpoena,"SPEC"-01,REV-A,pass,pass,,\n',
    )
    assert messages(path) == [
        "qa.csv:3:6: legal_scope_correct: expected 9 values, one per header column; found 5",
        "qa.csv:4:10: expected 9 values, one per header column; found 10",
        "qa.csv:5:4: specialist: a quote inside a value; quote the whole value and write an "
        'inner quote as ""',
    ]


def test_header_problems_come_first_and_alone(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "item_id,handled_on,process_type,Specialist,reviewer,legal_scope_correct,"
        "legal_scope_correct,all_attributes,Legal Scope,error_type\nQA-1\n",
    )
    assert messages(path) == [
        "qa.csv:1: columns: column 'Legal Scope': an attribute column needs a lower-case name "
        "like legal_scope_correct (a letter, then letters, digits or _)",
        "qa.csv:1: columns: column 'Specialist': did you mean 'specialist'? (names are lower-case)",
        "qa.csv:1: columns: column 'all_attributes' is reserved for item-level accuracy; rename it",
        "qa.csv:1: columns: column 'legal_scope_correct' appears twice",
        "qa.csv:1: columns: missing column(s): specialist, severity",
    ]


def test_empty_files_and_files_without_attributes(tmp_path: Path) -> None:
    assert messages(write(tmp_path, "")) == ["qa.csv:1: the file is empty; expected a header line"]
    path = write(
        tmp_path, "item_id,handled_on,process_type,specialist,reviewer,error_type,severity\n"
    )
    assert messages(path) == [
        "qa.csv:1: columns: no attribute columns (such as legal_scope_correct) to report on"
    ]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "qa.csv"
    path.write_bytes(HEADER.encode() + b"QA-1,2025-04-01,subpoena,SPEC-01,REV-\xff,pass,pass,,\n")
    assert messages(path) == ["qa.csv:2:5: reviewer: not UTF-8 text"]
    path.write_bytes(b"item_\xff\n")
    assert messages(path) == ["qa.csv:1: not UTF-8 text"]


def test_spellings_of_results_blank_cells_and_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "qa.csv"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + HEADER.encode()
        + b"QA-1,2025-04-01,subpoena,SPEC-01,REV-A, PASS ,1,,\n"
        + b"QA-2,2025-04-01,subpoena,SPEC-01,REV-A,true,N/A,,\n"
        + b'QA-3,2025-04-01,subpoena,SPEC-01,REV-A,,0,"wrong_account",serious\n'
    )
    table = read_qa(path)
    assert table.con.execute(
        "SELECT legal_scope_correct, account_match_correct FROM qa ORDER BY item_id"
    ).fetchall() == [(True, True), (True, None), (None, False)]


def test_many_problems_of_one_kind_are_cut_short(tmp_path: Path) -> None:
    lines = [f"QA-{i},2025-13-01,subpoena,SPEC-01,REV-A,pass,pass,,\n" for i in range(25)]
    problems = messages(write(tmp_path, HEADER + "".join(lines)))
    assert len(problems) == MAX_SHOWN + 1
    assert problems[-1] == "qa.csv:12:2: handled_on: ... and 15 more like this from here on"


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        read_qa(tmp_path / "missing.csv")
    with pytest.raises(UsageError, match=r"expected a \.csv or \.parquet file"):
        read_qa(write(tmp_path, HEADER, "qa.xlsx"))
    with pytest.raises(UsageError, match="table name"):
        read_qa(write(tmp_path, HEADER), name="Robert'); DROP TABLE")
    (problem,) = messages(write(tmp_path, "not parquet", "qa.parquet"))
    assert problem.startswith("qa.parquet: not a readable Parquet file: ")


# --------------------------------------------------------------------------- Parquet


@pytest.fixture(scope="module")
def csv_table() -> QaTable:
    return read_qa(QA / "assessments.csv")


def test_parquet_round_trip_typed(tmp_path: Path, csv_table: QaTable) -> None:
    path = tmp_path / "qa.parquet"
    csv_table.con.execute(f"COPY qa TO '{path}' (FORMAT parquet)")  # DATE and BOOLEAN columns
    back = read_qa(path, con=duckdb.connect())
    assert back.attributes == csv_table.attributes
    assert rows(back) == rows(csv_table)


def test_parquet_round_trip_as_text(tmp_path: Path, csv_table: QaTable) -> None:
    path = tmp_path / "text.parquet"
    csv_table.con.execute(
        f"COPY (SELECT * FROM read_csv('{QA / 'assessments.csv'}', all_varchar=true)) "
        f"TO '{path}' (FORMAT parquet)"
    )
    assert rows(read_qa(path, con=duckdb.connect())) == rows(csv_table)


def test_parquet_problems_name_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    duckdb.connect().execute(
        "COPY (SELECT * FROM (VALUES "
        "('QA-1', DATE '2025-04-01', 'subpoena', 'SPEC-01', 'REV-A', true, NULL, NULL), "
        "('QA-2', DATE '2025-04-02', 'subpoena', 'SPEC-01', 'REV-A', NULL, 'wrong_account', "
        "'grave')) AS t(item_id, handled_on, process_type, specialist, reviewer, "
        f"legal_scope_correct, error_type, severity)) TO '{path}' (FORMAT parquet)"
    )
    assert messages(path) == [
        "bad.parquet:2:7: error_type: error_type is 'wrong_account' but no attribute failed",
        "bad.parquet:2:8: severity: expected one of: near_miss, recordable, reportable, serious; "
        "got 'grave'",
    ]


def test_in_memory_columns_go_through_the_same_checks() -> None:
    columns = {
        "item_id": ["QA-1", "QA-2"],
        "handled_on": ["2025-04-01", "2025-04-02"],
        "process_type": ["subpoena", "wiretap"],
        "specialist": ["SPEC-01", "SPEC-02"],
        "reviewer": ["REV-A", "REV-B"],
        "legal_scope_correct": ["pass", "nope"],
        "error_type": ["", ""],
        "severity": ["", ""],
    }
    with pytest.raises(RecordError) as caught:
        read_qa_columns(columns, source="generated")
    assert [str(p) for p in caught.value.problems] == [
        "generated:2:6: legal_scope_correct: expected pass, fail or na; got 'nope'"
    ]
    columns["legal_scope_correct"] = ["pass", "na"]
    assert read_qa_columns(columns).rows == 2
