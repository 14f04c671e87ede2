"""Hostile and broken inputs end at once, in one clear line, with no traceback.

Each runs the command in-process (CliRunner) and asserts the exact line: a
hang would show as the test never ending, a traceback as an exception the
runner caught. How long each takes from a real shell is measured and reported
in benchmarks/, never asserted here.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rca.analyse import analyse
from rca.audience import select_profiles
from rca.cli import cli
from rca.load import check_record
from rca.render.context import build_context
from rca.render.diagrams import causal_graph, fishbone, why_chains
from rca.render.pptx import MASTER_MAX_UNPACKED, default_master
from rca.yamlsafe import parse_yaml

ROOT = Path(__file__).parent.parent
CASE = ROOT / "case_reviews" / "ESC-0185.yaml"


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_a_named_pipe_as_the_record(tmp_path: Path) -> None:
    fifo = tmp_path / "case.yaml"
    os.mkfifo(fifo)  # no writer: reading it would block forever
    result = run("render", str(fifo), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.output == (
        f"{fifo}: is a named pipe (FIFO), not a regular file; a case record must be a file\n"
    )


def test_a_link_to_dev_zero_as_the_record(tmp_path: Path) -> None:
    link = tmp_path / "case.yaml"
    link.symlink_to("/dev/zero")  # endless: reading it would exhaust memory
    result = run("validate", str(link))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{link}: is a character device, not a regular file; a case record must be a file"
    )


@pytest.mark.parametrize(
    ("insert", "expected"),
    [
        (b"\x00", "character U+0000 (NUL) is not allowed in a case record; delete it"),
        (b"\x1b", "character U+001B (ESC) is not allowed in a case record; delete it"),
        (
            "é".encode() + b"\xe9",  # the column counts characters, not bytes
            "file is not valid UTF-8 text: byte 0xE9 here is not UTF-8 "
            "(the file may be Latin-1 or Windows-1252); save it as UTF-8",
        ),
    ],
)
def test_bad_bytes_are_located_by_line_and_column(
    tmp_path: Path, insert: bytes, expected: str
) -> None:
    raw = CASE.read_bytes()
    at = raw.index(b"title: ") + len(b"title: ")
    line = raw[:at].count(b"\n") + 1
    column = at - raw.rfind(b"\n", 0, at)  # 1-based, all ASCII before it
    path = tmp_path / "case.yaml"
    path.write_bytes(raw[:at] + insert + raw[at:])
    result = run("validate", str(path))
    offset = 1 if insert.startswith("é".encode()) else 0
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"{path}:{line}:{column + offset}: {expected}"


def test_utf16_is_named() -> None:
    (problem,) = parse_yaml("title: x\n".encode("utf-16"))[1]
    assert (problem.line, problem.column, problem.message) == (
        1,
        1,
        "file is UTF-16 text; save it as UTF-8",
    )


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real master with one extra picture that inflates past the cap (~150 KB on disk)."""
    folder = tmp_path_factory.mktemp("bomb")
    (folder / "decks").mkdir()
    path = folder / "decks" / "default.pptx"
    with zipfile.ZipFile(default_master()) as source, zipfile.ZipFile(path, "w") as bomb:
        for info in source.infolist():
            bomb.writestr(info, source.read(info.filename))
        member = zipfile.ZipInfo("ppt/media/image99.png")
        member.compress_type = zipfile.ZIP_DEFLATED
        with bomb.open(member, "w", force_zip64=True) as handle:
            zeros = b"\0" * (1 << 20)
            for _ in range(MASTER_MAX_UNPACKED // len(zeros) + 1):
                handle.write(zeros)
    assert path.stat().st_size < 1 << 20
    return folder


def test_a_zip_bomb_deck_master_is_refused_before_it_is_opened(
    zip_bomb: Path, tmp_path: Path
) -> None:
    master = zip_bomb / "decks" / "default.pptx"
    result = run(
        "render", str(CASE), "-a", "leadership", "-f", "pptx", "-o", str(tmp_path / "out"),
        "--templates", str(zip_bomb),
    )  # fmt: skip
    assert result.exit_code == 1
    assert re.fullmatch(
        re.escape(f"rca: {master}: the deck master unpacks to 129.0 MiB (")
        + r"1\d\d\.\d KiB packed\); at most 128 MiB is accepted\n",
        result.output,
    ), result.output


def test_a_deck_master_with_too_many_members_is_refused(tmp_path: Path) -> None:
    (tmp_path / "decks").mkdir()
    data = io.BytesIO()
    with zipfile.ZipFile(default_master()) as source, zipfile.ZipFile(data, "w") as many:
        for info in source.infolist():
            many.writestr(info, source.read(info.filename))
        for i in range(2001):
            many.writestr(f"customXml/item{i}.xml", b"")
    (tmp_path / "decks" / "default.pptx").write_bytes(data.getvalue())
    result = run(
        "render", str(CASE), "-a", "leadership", "-f", "pptx", "-o", str(tmp_path / "out"),
        "--templates", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.endswith("files; at most 2,000 are accepted\n")


def chain_record(steps: int) -> bytes:
    """The bundled record with its causes replaced by one chain `steps` causes long."""
    import yaml

    located, _ = parse_yaml(CASE.read_bytes())
    assert located is not None
    data = located.data
    data["causes"] = [
        {
            "id": f"C{i}",
            "statement": f"Step {i} of a long chain of causes.",
            "category": data["causes"][0]["category"],
            "status": "hypothesis",
            "leads_to": ["problem" if i == 1 else f"C{i - 1}"],
        }
        for i in range(1, steps + 1)
    ]
    data["why_chains"] = [{"id": "W1", "whys": [f"C{i}" for i in range(1, steps + 1)]}]
    for action in data["actions"]:
        action["addresses"] = [f"C{steps}"]
    data.pop("lint_accepted", None)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()


def test_a_chain_of_a_thousand_causes_is_walked_without_recursion(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    path.write_bytes(chain_record(1000))
    loaded, problems = check_record(path)
    assert loaded is not None, problems
    findings = analyse(loaded)
    assert len(findings.chains[0].steps) == 1000
    for profile in select_profiles(["all"]):
        context = build_context(loaded, findings, profile)
        for draw in (fishbone, causal_graph, why_chains):
            assert draw(context).dot.startswith("digraph")


def test_more_causes_than_rca_renders_is_refused_at_once_with_exit_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rca import pipeline

    causes = len(check_record(CASE)[0].record.causes)  # type: ignore[union-attr]
    monkeypatch.setattr(pipeline, "MAX_RENDER_CAUSES", causes - 1)  # as 5,000 would be at 1,000
    monkeypatch.setenv("RCA_FAILPOINTS", "render=sleep")  # rendering would never end
    out = tmp_path / "out"
    result = run("render", str(CASE), "-o", str(out))
    assert result.exit_code == 4
    assert result.output == (
        f"rca: ESC-0185: {causes} causes is more than rca renders ({causes - 1}): a causal graph "
        "that size can be neither laid out in time nor read; nothing was written. `rca validate` "
        "and `rca analyze` work on it; split it into smaller analyses to render it\n"
    )
    assert not out.exists()
    assert run("analyze", str(CASE)).exit_code == 0


def test_thousands_of_declared_identifiers_are_all_redacted_and_guarded(tmp_path: Path) -> None:
    """4,990 declared values (was one regex of ~15,000 alternatives): every one still counts.

    How long it takes is measured in benchmarks (privacy_bench, bad_inputs), not here.
    """
    import json

    import yaml

    from rca.artifact import Artifact
    from rca.privacy.guard import find_leaks

    located, _ = parse_yaml(CASE.read_bytes())
    assert located is not None
    data = located.data
    extra = 4990 - len(data["identifiers"])
    data["identifiers"] += [
        {"kind": "account_id", "value": str(710_000_000_000 + n * 7919)} for n in range(extra)
    ]
    last = str(710_000_000_000 + (extra - 1) * 7919)
    data["problem"]["statement"] += f" The export named export_{last}.csv went out too."
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    loaded, problems = check_record(path)
    assert loaded is not None, problems
    assert len(loaded.record.identifiers) == 4990
    profiles = select_profiles(["all"])
    findings = analyse(loaded)
    for profile in profiles:
        context = json.dumps(build_context(loaded, findings, profile), default=str)
        assert last not in context and "export_" in context  # the value, inside a file name
    leaked = Artifact("leadership.html", f"<p>see {last[:3]} {last[3:]}</p>".encode(), "leadership")
    (leak,) = find_leaks(loaded, {p.id: p for p in profiles}, [leaked])
    assert leak.what.startswith("account_id (") and last not in str(leak)
