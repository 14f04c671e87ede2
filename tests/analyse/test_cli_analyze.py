"""`rca analyze` as a user runs it: the report, JSON, exit codes, options."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from analyse_helpers import DATA
from click.testing import CliRunner

from rca.analyse import analyse
from rca.cli import cli
from rca.load import check_record

TODAY = ["--today", "2026-03-10"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["analyze", *args])
    return result.exit_code, result.output


def fixture(name: str) -> str:
    return str(DATA / name)


CLEAN_REPORT = """\
TST-0100  Wrong account produced after a time-zone mismatch  [draft]
Problem: Subscriber information of the wrong account was produced on an emergency request.

Root causes (2, ranked)
  1. C4  Tools & systems, verified
     The lookup tool was built for abuse investigations, where every time is in UTC.
     1 of 2 path(s) to the problem (50%); feeds 43% of the graph; actions: A1
     why: problem <- C1 <- C2 <- C4
  2. C5  Process & policy, verified
     The checklist was adapted from the subpoena checklist, whose forms state times in UTC.
     1 of 2 path(s) to the problem (50%); feeds 43% of the graph; actions: A2
     why: problem <- C1 <- C3 <- C5
Contributing: C1, C2, C3
External: K1

Why-chains
  W1  Why was the wrong account produced?
      problem <- C1 <- C2 <- C4
  W2
      problem <- C1 <- C3 <- C5

Action coverage
  2 of 2 root cause(s) have an action

Categories: Process & policy 2, Tools & systems 2, Legal process & requester input 1, \
Data & identifiers 1

Clocks
  detect      5h 40m   target     1d   ok
  escalate       30m   target     1h   ok
  respond     1h 30m   target     4h   ok
  resolve     2d 21h   target     5d   ok
Deviations: account_identification 1

Lint: no findings
"""


def test_text_report_of_a_clean_case() -> None:
    code, out = run(fixture("clean.yaml"), *TODAY)
    assert code == 0, out
    assert out == CLEAN_REPORT


def test_text_report_lists_findings_and_exits_0_on_warnings() -> None:
    code, out = run(fixture("training_only_fix.yaml"), *TODAY)
    assert code == 0, out
    assert "Lint: 1 warning\n" in out
    assert (
        f"  {fixture('training_only_fix.yaml')}:97:9: warning: RCA407 training-only-fix: "
        "causes[4].id: root cause C5 (process_policy) is answered only by training"
    ) in out


def test_strict_makes_warnings_fail() -> None:
    code, out = run(fixture("training_only_fix.yaml"), "--strict", *TODAY)
    assert code == 1
    assert "Lint: 1 error\n" in out and ": error: RCA407" in out


def test_errors_fail_without_strict() -> None:
    code, out = run(fixture("cycle.yaml"), *TODAY)
    assert code == 1
    assert ": error: RCA101 causal-cycle: " in out


def test_approved_review_fails_on_a_warning() -> None:
    code, out = run(fixture("unverified_in_approved.yaml"), *TODAY)
    assert code == 1
    assert "Lint: 2 errors\n" in out


def test_today_decides_what_is_overdue() -> None:
    assert run(fixture("overdue_action.yaml"), "--today", "2026-02-28")[1].endswith(
        "Lint: no findings\n"
    )
    code, out = run(fixture("overdue_action.yaml"), *TODAY)
    assert "RCA406 overdue-action" in out and code == 0


def test_json_is_the_findings_contract() -> None:
    code, out = run(fixture("hindsight.yaml"), "--format", "json", *TODAY)
    assert code == 0, out
    report = json.loads(out)
    assert (report["errors"], report["warnings"]) == (0, 1)
    [case] = report["cases"]
    loaded, _ = check_record(DATA / "hindsight.yaml")
    assert loaded is not None
    assert case == json.loads(json.dumps(analyse(loaded, today=date(2026, 3, 10)).to_dict()))
    assert case["lint"][0] == {
        "rule": "RCA202",
        "name": "hindsight-phrasing",
        "severity": "warning",
        "message": "'should have' judges C3 with hindsight; describe what happened and why it "
        "made sense at the time",
        "path": fixture("hindsight.yaml"),
        "line": 87,
        "column": 16,
        "field": "causes[2].statement",
        "subject": "C3",
        "accepted": None,
    }


def test_several_cases_and_a_total(tmp_path: Path) -> None:
    for n, name in enumerate(["clean.yaml", "hindsight.yaml", "shallow_chain.yaml"]):
        text = (DATA / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("TST-0100", f"TST-010{n}"), encoding="utf-8")
    code, out = run(str(tmp_path), *TODAY)
    assert code == 0, out
    assert out.endswith("\n3 case(s) analysed: 0 error(s), 2 warning(s)\n")
    assert out.count("\nProblem: ") == 3


def test_invalid_record_exits_1_with_its_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (DATA / "clean.yaml").read_text(encoding="utf-8").replace("kind: condition", "kind: maybe"),
        encoding="utf-8",
    )
    code, out = run(str(bad), *TODAY)
    assert code == 1
    assert f"{bad}:106:11: causes[5].kind: expected one of: cause, condition; got 'maybe'" in out
    assert "Traceback" not in out


def test_custom_lexicon(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("blame: [abuse investigations]\nhindsight: []\n", encoding="utf-8")
    code, out = run(fixture("clean.yaml"), "--lexicon", str(lexicon), *TODAY)
    assert code == 0, out
    assert (
        "RCA201 blame-root-cause: causes[3].statement: root cause C4 puts the problem "
        "down to a person ('abuse investigations')" in out
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--min-chain-depth", "5", "--max-chain-depth", "4"],
            "Invalid value for --min-chain-depth: 5 is more than --max-chain-depth 4",
        ),
        (["--today", "10/03/2026"], "Invalid value for '--today'"),
        (["--format", "pdf"], "Invalid value for '--format'"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    code, out = run(fixture("clean.yaml"), *args)
    assert code == 2
    assert message in out


def test_bad_lexicon_file_exits_2(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("blame: ['(unclosed']\n", encoding="utf-8")
    code, out = run(fixture("clean.yaml"), "--lexicon", str(lexicon))
    assert code == 2
    assert f"rca: {lexicon}: blame: '(unclosed' is not a valid pattern" in out


def test_missing_path_exits_2(tmp_path: Path) -> None:
    code, out = run(str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "no such file or folder" in out


def test_help_documents_every_option() -> None:
    code, out = run("--help")
    assert code == 0
    for option in (
        "--format",
        "--strict",
        "--today",
        "--lexicon",
        "--min-chain-depth",
        "--max-chain-depth",
    ):
        assert option in out


# ------------------------------------------------------------------------ bundled cases

CASES_DIR = Path(__file__).parent.parent.parent / "case_reviews"
CASES = sorted(CASES_DIR.glob("*.yaml"))
WRITTEN = date(2026, 11, 25)  # the cases' own "today": their open actions fall due after it


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bundled_case_analyses_cleanly(path: Path) -> None:
    loaded, problems = check_record(path)
    assert loaded is not None, "\n".join(map(str, problems))
    findings = analyse(loaded, today=WRITTEN)
    # a deliberate warning is accepted in the case itself, with its reason
    assert [str(f) for f in findings.lint if not f.accepted] == []
    assert findings.root_causes, "a bundled case teaches at least one root cause"


def test_bundled_cases_pass_strict() -> None:
    code, out = run(str(CASES_DIR), "--strict", "--today", WRITTEN.isoformat())
    assert code == 0, out


def test_json_reports_the_valid_cases_even_when_another_is_invalid(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("case_id: TST-9\n")
    result = CliRunner().invoke(
        cli,
        [
            "analyze",
            fixture("clean.yaml"),
            str(broken),
            "--format",
            "json",
            "--today",
            "2026-03-10",
        ],
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [c["case_id"] for c in report["cases"]] == ["TST-0100"]
    assert [i["path"] for i in report["invalid"]] == [str(broken)]
    assert report["invalid"][0]["problems"][0]["message"] == "field required"
