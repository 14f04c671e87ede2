"""The case library as files: every case listed, every link resolves, nothing leaks, incremental."""

from __future__ import annotations

import gzip
import html
import html.parser
import re
import subprocess
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import pytest

from rca.artifact import Artifact
from rca.audience import select_profiles
from rca.errors import LeakError, RecordError, UsageError
from rca.load import load_records
from rca.site.build import MANIFEST, SiteResult
from rca.site.guard import check_site
from tests.site.conftest import CASES, PLANTED, PLANTED_VARIANTS, copy_cases, site_for

BUNDLED = sorted(p.stem for p in CASES.glob("*.yaml"))


class _Links(html.parser.HTMLParser):
    """Every href and src of a page, and the table rows of the case index."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.rows: list[dict[str, str | None]] = []
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "src"):
            if found.get(name):
                self.links.append(str(found[name]))
        if tag == "tbody":
            self._in_body = True
        if tag == "tr" and self._in_body:
            self.rows.append(found)


def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def site_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.is_file())


@pytest.mark.parametrize("which", ["leadership_site", "specialist_site"])
def test_index_lists_every_case_with_a_page(which: str, request: pytest.FixtureRequest) -> None:
    result: SiteResult = request.getfixturevalue(which)
    index = parse(result.out / "index.html")
    assert len(index.rows) == len(BUNDLED) == result.cases
    for case_id in BUNDLED:
        assert f"cases/{case_id}/index.html" in index.links
        assert (result.out / "cases" / case_id / "index.html").is_file()
        assert (result.out / "cases" / case_id / f"{result.audience}.html").is_file()
    # Filterable data rides on the rows: every case has its severity and status codes.
    assert all(row["data-severity"] and row["data-status"] for row in index.rows)


@pytest.mark.parametrize("which", ["leadership_site", "specialist_site"])
def test_every_link_in_every_page_resolves(which: str, request: pytest.FixtureRequest) -> None:
    result: SiteResult = request.getfixturevalue(which)
    broken = []
    pages = [
        p for p in site_files(result.out) if p.suffix == ".html" and "/pagefind/" not in str(p)
    ]
    assert len(pages) >= len(BUNDLED) * 2 + 3
    for page in pages:
        for link in parse(page).links:
            parsed = urllib.parse.urlparse(link)
            if parsed.scheme == "data" or link.startswith("#"):
                continue
            assert not parsed.scheme and not parsed.netloc, f"{page}: external link {link}"
            target = (page.parent / urllib.parse.unquote(parsed.path)).resolve()
            if not target.is_file():
                broken.append(f"{page.relative_to(result.out)} -> {link}")
    assert broken == []


def test_case_page_links_the_brief_pdf_diagrams_and_declares_related(
    leadership_site: SiteResult,
) -> None:
    page = leadership_site.out / "cases" / "ESC-0185" / "index.html"
    links = parse(page).links
    assert "leadership.html" in links and "leadership.pdf" not in links  # only what was built
    assert any(link.startswith("diagrams/leadership-") and link.endswith(".svg") for link in links)
    text = page.read_text(encoding="utf-8")
    # Declared related cases, then the similar ones with their reason.
    assert "Declared by the reviews" in text and "../../cases/ESC-0171/index.html" in links
    assert "Declared related; shares cause code change without control review" in text


def test_trends_page_links_the_brief_charts_and_tables(leadership_site: SiteResult) -> None:
    links = parse(leadership_site.out / "trends" / "index.html").links
    assert "trends.html" in links
    assert any(link.startswith("charts/") for link in links)
    assert any(link.startswith("tables/") and link.endswith(".csv") for link in links)


def test_the_trends_brief_names_the_site_s_audience(
    leadership_site: SiteResult, specialist_site: SiteResult
) -> None:
    for result, title, other in ((leadership_site, "Leadership trends", "Specialist"),
                                 (specialist_site, "Specialist trends", "Leadership")):  # fmt: skip
        brief = (result.out / "trends" / "trends.html").read_text(encoding="utf-8")
        assert title in brief and other not in brief


def test_actions_page_lists_every_action_of_every_case(specialist_site: SiteResult) -> None:
    expected = sum(len(r.record.actions) for r in load_records([CASES]))
    assert len(parse(specialist_site.out / "actions.html").rows) == expected


def test_search_index_holds_the_case_pages(leadership_site: SiteResult) -> None:
    fragments = list((leadership_site.out / "pagefind" / "fragment").glob("*.pf_fragment"))
    assert len(fragments) == len(BUNDLED)
    text = b"".join(gzip.decompress(f.read_bytes()) for f in fragments).decode("utf-8")
    assert text.count('"url":"/cases/') == len(BUNDLED)


# --------------------------------------------------------------------------- the leak guard


@pytest.mark.parametrize("which", ["leadership_site", "specialist_site"])
def test_the_guard_passes_over_the_whole_site_read_fresh(
    which: str, request: pytest.FixtureRequest
) -> None:
    result: SiteResult = request.getfixturevalue(which)
    (profile,) = select_profiles([result.audience], ())
    files = [p for p in site_files(result.out) if not p.name.startswith(".")]
    artifacts = [
        Artifact(p.relative_to(result.out).as_posix(), p.read_bytes(), profile.id) for p in files
    ]
    assert any(a.name.endswith(".pf_fragment") for a in artifacts)
    check_site(load_records([CASES]), profile, artifacts, verdicts=None)  # no cached verdict


def test_the_guard_reads_compressed_search_files_and_stylesheets() -> None:
    # Positive controls: a declared identifier of one case inside a Pagefind fragment
    # (gzip, with Pagefind's marker) and an undeclared email in a stylesheet are caught.
    records = load_records([CASES])
    (profile,) = select_profiles(["specialist"], ())
    value = next(r for r in records if r.record.case_id == "ESC-0142").record.identifiers[1].value
    fragment = gzip.compress(b'pagefind_dcd{"content":"seen ' + value.encode() + b' here"}')
    css = b"@media print { body::after { content: 'ana.lopez@example.org'; } }"
    # The word index is CBOR: an array of one text string, the value.
    index = gzip.compress(b"pagefind_dcd\x81" + bytes([0x60 + len(value)]) + value.encode())
    with pytest.raises(LeakError) as caught:
        check_site(records, profile, [
            Artifact("pagefind/fragment/en_1.pf_fragment", fragment, profile.id),
            Artifact("pagefind/index/en_1.pf_index", index, profile.id),
            Artifact("assets/site.css", css, profile.id),
        ])  # fmt: skip
    message = str(caught.value)
    assert "pagefind/fragment/en_1.pf_fragment" in message and "username (Username A)" in message
    assert "pagefind/index/en_1.pf_index: search index, its words" in message
    assert "assets/site.css" in message and "undeclared email address" in message
    assert value not in message and "ana.lopez" not in message
    # ... and a clean stylesheet with at-rules passes.
    check_site(
        records,
        profile,
        [Artifact("assets/site.css", b"@media print { a { color: red; } }", profile.id)],
    )


def test_the_guards_cbor_reader_finds_every_text_string_and_refuses_a_truncated_one() -> None:
    from rca.site.guard import cbor_strings

    doc = (
        b"\xa2"  # a map of two pairs
        b"\x64word"
        b"\x83\x01\x19\x01\x00\xc1\x1a\x00\x00\x00\x01"  # "word": [1, 256, tag(1)]
        b"\x7f\x63ide\x64ntif\xff"  # a text string in two chunks ...
        b"\x9f\xfb" + bytes(8) + b"\x42\x00\x01\x65hello\xff"  # : [0.0, h'0001', "hello"]
    )
    assert cbor_strings(doc) == ["word", "ide", "ntif", "hello"]
    for bad in (b"\x65abc", b"\x19\x01", b"\x1c"):
        with pytest.raises(ValueError):
            cbor_strings(bad)


def _readable_text(path: Path) -> str:
    """What a file says, read without the guard's extractors: poppler for PDFs, the slide
    XML of a deck, gzip for Pagefind's files, the bytes of everything else."""
    data = path.read_bytes()
    if path.suffix == ".pdf":
        done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                              check=True)  # fmt: skip
        return done.stdout.decode("utf-8")
    if path.suffix == ".pptx":
        with zipfile.ZipFile(path) as deck:
            xml = " ".join(
                deck.read(n).decode("utf-8") for n in deck.namelist() if n.endswith(".xml")
            )
        return html.unescape(re.sub(r"<[^>]+>", "", xml))
    if data[:2] == b"\x1f\x8b":  # Pagefind's index files
        data = gzip.decompress(data)
    return data.decode("utf-8", "replace")


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_planted_identifiers_are_absent_from_every_site_file_in_every_variant(
    audience: str, planted_sites: dict[str, SiteResult]
) -> None:
    out = planted_sites[audience].out
    needles = {v.casefold() for v in PLANTED_VARIANTS}
    digits = {re.sub(r"\D", "", PLANTED["phone"]), re.sub(r"\D", "", PLANTED["phone"])[1:]}
    seen: set[str] = set()
    files = site_files(out)
    for path in files:
        body = _readable_text(path).casefold()
        name = path.relative_to(out).as_posix()
        found = [n for n in needles if n in body]
        found += [d for d in digits if d in re.sub(r"\D", "", body)]
        assert found == [], f"{name} holds {len(found)} planted variant(s)"
        if "relayed by telephone from a private courier depot" in " ".join(body.split()):
            seen.add(path.suffix if "pagefind" not in name else "pagefind")
        if path.suffix == ".pptx":  # the deck does not quote the problem; it was read
            assert "uninvolved user's records" in body
            seen.add(".pptx")
    # Positive control: the sentence around them reached the page, the search index and
    # (leadership, built with them) the PDF.
    expected = {".html", "pagefind"} | ({".pdf", ".pptx"} if audience == "leadership" else set())
    assert expected <= seen, seen


# --------------------------------------------------------------------------- incremental


def test_one_edit_rebuilds_that_case_its_pages_and_the_search_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rca.site.build
    import rca.trends.report

    drawn: list[int] = []  # one item each time the trends charts are drawn
    draw = rca.trends.report.draw_charts

    def counted(trends: Any, **kw: Any) -> Any:
        drawn.append(1)
        return draw(trends, **kw)

    monkeypatch.setattr(rca.trends.report, "draw_charts", counted)
    monkeypatch.setattr(rca.site.build, "_CHARTS", {})  # no charts kept from another test
    source = copy_cases(tmp_path / "cases", ("ESC-0142", "ESC-0163", "ESC-0171"))
    out = tmp_path / "site"
    first = site_for(source, out, "specialist")
    assert first.cards_built == 3 and len(first.written) > 10
    untouched = {
        p: p.stat().st_mtime_ns
        for p in site_files(out)
        if "ESC-0142" in str(p) or "ESC-0171" in str(p)
    }

    again = site_for(source, out, "specialist")
    assert again.cards_built == 0 and again.written == [] and again.removed == []
    assert {o.status for o in again.outcomes} == {"cached"}

    record = source / "ESC-0163.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace(
        "went to the wrong account holder.", "went to the wrong account holder. Edited sentence."), encoding="utf-8")  # fmt: skip
    edited = site_for(source, out, "specialist")
    assert edited.cards_built == 1
    assert [o.case_id for o in edited.outcomes if o.status == "built"] == ["ESC-0163"]
    written = {p.relative_to(out).as_posix() for p in edited.written}
    # The problem statement shows on the case page and in search, not in the index.
    assert "cases/ESC-0163/index.html" in written and "index.html" not in written
    assert any(w.startswith("pagefind/") for w in written)
    assert not any("ESC-0142" in w or "ESC-0171" in w for w in written), written
    # Only that case's folder, the index and the search index may change, and the trends
    # brief and tables, which name the records by a hash of their content; nothing else
    # (the actions page, the other cases, the assets, the charts: a problem statement
    # changes no count) is rewritten, and no chart is drawn again.
    others = [
        w for w in written
        if not (w.startswith(("cases/ESC-0163/", "pagefind/")) or w == "index.html")
    ]  # fmt: skip
    assert not [w for w in others if not w.startswith("trends/") or "/charts/" in w], others
    assert len(drawn) == 1
    assert "Edited sentence." in (out / "cases" / "ESC-0163" / "index.html").read_text(
        encoding="utf-8"
    )
    assert {p: p.stat().st_mtime_ns for p in untouched} == untouched

    # A new title shows in the index and in the other cases' lists of similar cases: those
    # pages are rewritten, and the specialist briefs that list it (their similar_cases
    # section) are rebuilt; nothing else is.
    record.write_text(record.read_text(encoding="utf-8").replace(
        "title: Uninvolved user's records", "title: Retitled, uninvolved user's records"), encoding="utf-8")  # fmt: skip
    retitled = site_for(source, out, "specialist")
    listing = {
        case_id
        for case_id in ("ESC-0142", "ESC-0171")
        if "Retitled, uninvolved"
        in (out / "cases" / case_id / "specialist.html").read_text(encoding="utf-8")
    }
    assert listing  # with three cases, each lists the other two
    assert sorted(o.case_id for o in retitled.outcomes if o.status == "built") == sorted(
        {"ESC-0163", *listing}
    )
    written = {p.relative_to(out).as_posix() for p in retitled.written}
    assert {"index.html", "cases/ESC-0142/index.html"} <= written
    assert not any(w.startswith("trends/charts/") for w in written) and len(drawn) == 1

    (source / "ESC-0171.yaml").unlink()
    removed = site_for(source, out, "specialist")
    # One case fewer changes the trends: the charts are drawn again.
    assert len(drawn) == 2
    assert not (out / "cases" / "ESC-0171").exists()
    assert "ESC-0171" not in (out / "index.html").read_text(encoding="utf-8")
    assert removed.cases == 2


def test_a_failed_rebuild_leaves_the_site_as_it_was(tmp_path: Path) -> None:
    source = copy_cases(tmp_path / "cases", ("ESC-0142", "ESC-0157"))
    out = tmp_path / "site"
    site_for(source, out, "leadership", trends=False)
    before = {p: p.read_bytes() for p in site_files(out)}
    record = source / "ESC-0157.yaml"
    record.write_text(
        record.read_text(encoding="utf-8").replace("severity: reportable", "severity: dreadful"),
        encoding="utf-8",
    )
    with pytest.raises(RecordError, match=r"ESC-0157.yaml:\d+:\d+: escalation.severity"):
        site_for(source, out, "leadership", trends=False)
    assert {p: p.read_bytes() for p in site_files(out)} == before


def test_a_site_never_mixes_audiences(tmp_path: Path) -> None:
    source = copy_cases(tmp_path / "cases", ("ESC-0142",))
    site_for(source, tmp_path / "site", "leadership", trends=False)
    assert (tmp_path / "site" / MANIFEST).is_file()
    with pytest.raises(UsageError, match="holds the leadership site"):
        site_for(source, tmp_path / "site", "specialist", trends=False)


def _variants(kind: str, value: str) -> set[str]:
    """A declared value as written, and the forms a page or a search index could hold."""
    out = {value.casefold()}
    if kind in ("phone", "account_id"):
        digits = re.sub(r"\D", "", value)
        out |= {digits, digits[-10:], digits[-7:]} if kind == "phone" else {digits}
    if kind in ("email", "username"):
        local = value.split("@")[0].casefold()
        if local not in ("support", "info", "legal", "admin", "contact", "help", "abuse"):
            out |= {local, re.sub(r"[^a-z0-9]", "", local)}  # a role address says no one
    if kind in ("person_name", "officer_name"):  # the surname alone
        out.add(value.rstrip(".").split()[-1].casefold())
    return {v for v in out if len(v) > 3}


@pytest.mark.parametrize("which", ["leadership_site", "specialist_site"])
def test_site_files_quote_no_declared_identifier_in_any_variant(
    which: str, request: pytest.FixtureRequest
) -> None:
    # Independent of the guard: every file of the site (Pagefind's decompressed), every
    # declared value of every case in its variants, as whole words.
    result: SiteResult = request.getfixturevalue(which)
    needles = {
        v for r in load_records([CASES]) for i in r.record.identifiers
        for v in _variants(i.kind.value, i.value)
    }  # fmt: skip
    pattern = re.compile(r"(?<![\w.@-])(?:" + "|".join(map(re.escape, needles)) + r")(?![\w@-])")
    checked = 0
    for path in site_files(result.out):
        if path.name.startswith(".") or path.suffix in (".wasm", ".pagefind"):
            continue  # the build caches (not served) and Pagefind's runtime
        body = _readable_text(path).casefold()
        hits = sorted(set(pattern.findall(body)))
        assert hits == [], f"{path.relative_to(result.out)}: {len(hits)} identifier(s)"
        checked += "pagefind/" in path.as_posix()
    assert checked > len(BUNDLED)  # the fragments, the word index, the filters and meta
    # Positive control: the same scan over a record finds its own identifiers.
    assert pattern.search((CASES / "ESC-0142.yaml").read_text(encoding="utf-8").casefold())


def test_the_specialist_brief_in_the_site_lists_similar_past_cases(
    specialist_site: SiteResult,
) -> None:
    brief = (specialist_site.out / "cases" / "ESC-0185" / "specialist.html").read_text(
        encoding="utf-8"
    )
    section = brief.split('id="sec-similar_cases"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r"<li><strong>(ESC-\d+)</strong>", section)
    assert len(items) == 3 and {"ESC-0171", "ESC-0178"} <= set(items)
    assert "shares cause code change without control review" in section


def test_rca_site_cli_builds_each_audience_and_stops_on_a_leaking_template(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from rca.cli import cli

    source = copy_cases(tmp_path / "cases", ("ESC-0157",))
    args = ["site", str(source), "--out", str(tmp_path / "out"), "--format", "html",
            "--no-trends", "--today", "2026-11-25"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    for audience in ("leadership", "specialist"):
        assert f"open {tmp_path / 'out' / audience / 'index.html'}" in result.output
    # A template that types a contact address into every page: the guard stops the
    # site (exit 3), names the file and never the value, and the site stays as it was.
    templates = tmp_path / "templates" / "site"
    templates.mkdir(parents=True)
    (templates / "index.html.j2").write_text(
        '{% extends "default:site/index.html.j2" %}{% block title %}Cases, ask '
        "dana.reyes@example.net{% endblock %}",
        encoding="utf-8",
    )
    before = (tmp_path / "out" / "leadership" / "index.html").read_bytes()
    result = CliRunner().invoke(
        cli, [*args, "--audience", "leadership", "--templates", str(tmp_path / "templates")]
    )
    assert result.exit_code == 3, result.output
    assert "index.html: HTML <title>, line 5: undeclared email address" in result.output
    assert "dana.reyes" not in result.output
    assert (tmp_path / "out" / "leadership" / "index.html").read_bytes() == before
