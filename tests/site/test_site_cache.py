"""The records' cache of a site build: kept between processes, trusted only when every key holds.

Each record's checked and analysed parts (its trends rows, what the guard looks
for) are kept in the user's private cache folder, never in OUT; each card in its site's manifest. A new process reads them instead
of loading and checking every record again. Each test starts as a new process
would (nothing kept in memory) and counts the records loaded and checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import rca
import rca.load
import rca.site.build
import rca.site.guard
from rca.site.build import MANIFEST, SiteResult, records_cache_for
from tests.site.conftest import TODAY, copy_cases, site_for

NAMES = ("ESC-0142", "ESC-0163")


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The records loaded and checked by each build, by file name; each build a new process."""
    seen: list[str] = []
    check = rca.load.check_record

    def counted(path: Path, *args: Any) -> Any:
        seen.append(path.name)
        return check(path, *args)

    monkeypatch.setattr(rca.site.build, "check_record", counted)
    return seen


def fresh_process() -> None:
    """Forget what this process keeps, as a new `rca site` process starts."""
    rca.site.build._ENTRIES.clear()
    rca.site.build._LOADED.clear()
    rca.site.build._CHARTS.clear()
    rca.site.guard._SCANNER.clear()


def build(source: Path, out: Path, **kw: Any) -> SiteResult:
    fresh_process()
    return site_for(source, out / "leadership", "leadership", **kw)


@pytest.fixture
def library(tmp_path: Path, checked: list[str]) -> tuple[Path, Path]:
    """Two records and their site, built once (both records checked)."""
    source = copy_cases(tmp_path / "cases", NAMES)
    out = tmp_path / "sites"
    build(source, out)
    assert sorted(checked) == [f"{n}.yaml" for n in NAMES]
    checked.clear()
    return source, out


def test_a_new_process_checks_no_record_again_and_builds_the_same_site(
    library: tuple[Path, Path], checked: list[str]
) -> None:
    source, out = library
    cache = records_cache_for(out)
    assert cache is not None and cache.is_file() and out.resolve() not in cache.resolve().parents
    again = build(source, out)
    assert checked == [] and again.cards_built == 0 and again.written == []

    record = source / "ESC-0163.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace(
        "went to the wrong account holder.", "went to the wrong account holder. Edited."),
        encoding="utf-8")  # fmt: skip
    edited = build(source, out)
    assert checked == ["ESC-0163.yaml"] and edited.cards_built == 1
    page = (out / "leadership" / "cases" / "ESC-0163" / "index.html").read_text(encoding="utf-8")
    assert "wrong account holder. Edited." in page
    # The trends, aggregated from one record checked and one kept, are those of a site
    # built from nothing.
    scratch = site_for(source, out.parent / "scratch" / "leadership", "leadership")
    assert scratch.cards_built == 2
    ours, theirs = out / "leadership" / "trends", scratch.out / "trends"
    files = sorted(p.relative_to(theirs) for p in theirs.rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file())
    assert all((ours / f).read_bytes() == (theirs / f).read_bytes() for f in files)

    # Another audience's site shares the records' entries: only its own cards are new.
    checked.clear()
    fresh_process()
    specialist = site_for(source, out / "specialist", "specialist")
    assert specialist.cards_built == 2 and sorted(checked) == [f"{n}.yaml" for n in NAMES]


def _cache(out: Path) -> Path:
    path = records_cache_for(out)
    assert path is not None
    return path


def _entries(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_cache(out).read_text(encoding="utf-8"))
    return data


def _save(out: Path, data: dict[str, Any]) -> None:
    _cache(out).write_text(json.dumps(data), encoding="utf-8")


def _corrupt(out: Path) -> None:
    # One entry's trends rows changed in place: its digest no longer matches.
    data = _entries(out)
    entry = next(e for path, e in data["records"].items() if path.endswith("ESC-0163.yaml"))
    entry["trends"]["rows"]["cases"][0]["severity"] = "internal_only"
    _save(out, data)


def _foreign(out: Path) -> None:
    # Whole entries, each under the other record's path: their keys do not match.
    data = _entries(out)
    paths = sorted(data["records"])
    first, second = data["records"][paths[0]], data["records"][paths[1]]
    data["records"][paths[0]], data["records"][paths[1]] = second, first
    _save(out, data)


def _truncated(out: Path) -> None:
    text = _cache(out).read_text(encoding="utf-8")
    _cache(out).write_text(text[: len(text) // 2], encoding="utf-8")


def _other_version(out: Path) -> None:
    data = _entries(out)
    data["version"] = 999
    _save(out, data)


def _project_file(out: Path) -> None:
    # The organisation's project file now names a cause code's label.
    source = out.parent / "cases"
    (source / "rca.toml").write_text('[cause_codes]\nmy_code = "My code"\n', encoding="utf-8")


def test_an_entry_is_used_only_when_whole_and_every_key_holds(
    library: tuple[Path, Path], checked: list[str]
) -> None:
    source, out = library
    both = [f"{n}.yaml" for n in NAMES]
    table = out / "leadership" / "trends" / "tables" / "case_severity_mix.csv"
    other = source / "ESC-0142.yaml"
    changes: list[tuple[str, Callable[[Path], None], list[str]]] = [
        ("corrupt entry", _corrupt, ["ESC-0163.yaml"]),
        ("foreign entries", _foreign, both),
        ("truncated file", _truncated, both),
        ("other format", _other_version, both),
        ("project file", _project_file, both),
    ]
    for n, (name, change, rechecked) in enumerate(changes):
        change(out)
        # The other record edited too, so the trends are aggregated again from the entries.
        other.write_text(other.read_text(encoding="utf-8") + f"# edit {n}\n", encoding="utf-8")
        result = build(source, out)
        assert sorted(checked) == sorted({*rechecked, "ESC-0142.yaml"}), name
        # What was rebuilt is the records' own data: the trends count no internal-only case.
        assert "internal_only" not in table.read_text(encoding="utf-8"), name
        assert result.cases == 2
        checked.clear()
        build(source, out)  # and the entries built again are whole
        assert checked == [], name


def test_another_rca_or_another_day_checks_every_record_again(
    library: tuple[Path, Path], checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, out = library
    monkeypatch.setattr(rca, "__version__", "999.0")
    build(source, out)
    assert sorted(checked) == [f"{n}.yaml" for n in NAMES]
    checked.clear()
    build(source, out, today=TODAY.replace(day=TODAY.day + 1))
    assert sorted(checked) == [f"{n}.yaml" for n in NAMES]


def test_a_corrupt_card_in_the_manifest_is_built_again(
    library: tuple[Path, Path], checked: list[str]
) -> None:
    source, out = library
    manifest = out / "leadership" / MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    entry = next(e for path, e in data["cards"].items() if path.endswith("ESC-0142.yaml"))
    title = entry["card"]["title"]
    entry["card"]["title"] = "A title no record has"
    manifest.write_text(json.dumps(data), encoding="utf-8")
    result = build(source, out)
    assert result.cards_built == 1 and checked == ["ESC-0142.yaml"]
    index = (out / "leadership" / "index.html").read_text(encoding="utf-8")
    assert "A title no record has" not in index and title.split(":")[0] in index


def test_rca_site_keeps_no_declared_identifier_anywhere_in_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OUT is what a team copies to a web server: the records' entries, which hold the
    # declared identifiers for the guard, live in the user's private cache instead.
    import os
    import stat

    import yaml
    from click.testing import CliRunner

    from rca.cli import cli

    cache_home = tmp_path / "cache"
    monkeypatch.setenv("RCA_CACHE_DIR", str(cache_home))
    source = copy_cases(tmp_path / "cases", NAMES)
    out = tmp_path / "sites"
    fresh_process()
    result = CliRunner().invoke(
        cli,
        ["site", str(source), "--audience", "all", "--format", "html", "--no-trends",
         "--out", str(out), "--today", TODAY.isoformat()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    values = {  # read with a plain YAML parser, not rca's loader
        str(i["value"]).encode("utf-8")
        for name in NAMES
        for i in yaml.safe_load((source / f"{name}.yaml").read_text(encoding="utf-8"))[
            "identifiers"
        ]
        if len(str(i["value"])) >= 6
    }
    assert len(values) >= 10
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name.startswith(".") for p in files)  # the manifests, hidden files included
    for path in files:
        data = path.read_bytes()
        assert not [v for v in values if v in data], path
    # Positive control: the entries are kept, privately, and do hold the identifiers.
    cache = records_cache_for(out)
    assert cache is not None and cache.is_file()
    assert any(v in cache.read_bytes() for v in values)
    assert stat.S_IMODE(os.stat(cache.parent).st_mode) == 0o700
