"""The site pipeline: one audience's case library, rebuilt incrementally.

records = load every record (kept warm in-process)
cards = case_card(record) for each changed record     # cached by record key; each guarded
similar = rank_all(features of every card)            # cached by the corpus digest
outcomes = build_many(cases, plan)                    # briefs, decks, diagrams: rca.batch's cache
trends = the trends brief, charts and tables          # cached by every record's key and the QA data
pages = index, actions, search, trends, a page per case (in memory)
search = Pagefind's index of the case pages (in memory)
check_site(records, pages + search + trends + briefs) # the leak guard; nothing written on a hit
write the files that changed; remove the ones no longer part of the site

Layout of OUT: index.html, actions.html, search.html, assets/, cases/<id>/
(index.html, the case's briefs, deck and diagrams as `rca build` writes them),
trends/, pagefind/. The site's manifest (`OUT/.rca-site.json`) holds cards,
the similarity ranking and the guard's clean verdicts: redacted data only.

A failure anywhere before the write (an invalid record, a failed case, a leak)
writes no site page: the earlier site stays as it was.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import pickle
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rca.analyse import analyse
from rca.artifact import Artifact
from rca.audience import Profile
from rca.batch import BuildPlan, CaseOutcome, build_many, environment_key, failed_exit_code
from rca.errors import LeakError, Problem, RcaError, RecordError, UsageError
from rca.fs import write_atomic
from rca.load import LoadedRecord, check_record, find_record_files
from rca.project import find_project_file, load_project
from rca.site import pages
from rca.site.cards import CARD_VERSION, case_card
from rca.site.guard import Library, ScanPart
from rca.usercache import private_folder

if TYPE_CHECKING:
    from rca.render.registry import Diagram
    from rca.trends.report import CasePart

MANIFEST = ".rca-site.json"
MANIFEST_VERSION = 2  # 2: each card with its own digest
TRENDS_FORMATS = ("html", "csv", "json")
TOP = 5  # similar cases kept per case; the case page shows them all
BRIEF_TOP = 3  # ... and a brief that has the similar_cases section, the first three


@dataclass
class SiteResult:
    """What a site build did."""

    out: Path
    audience: str
    cases: int
    outcomes: list[CaseOutcome]
    written: list[Path] = field(default_factory=list)  # site files (re)written
    removed: list[Path] = field(default_factory=list)
    cards_built: int = 0  # cases whose card was rebuilt (the others came from the cache)
    seconds: dict[str, float] = field(default_factory=dict)  # by stage

    @property
    def index(self) -> Path:
        """The page to open."""
        return self.out / "index.html"


class SiteError(RcaError):
    """One or more cases failed, so the site was not updated."""

    def __init__(self, outcomes: Sequence[CaseOutcome]) -> None:
        failed = [o for o in outcomes if o.status == "failed"]
        self.exit_code = failed_exit_code(outcomes)
        lines = [f"{len(failed)} case(s) failed; the site was not updated:"]
        lines += [f"{o.source}: {o.error}" for o in failed]
        super().__init__("\n".join(lines))


# Records already loaded in this process, by path, with their content hash: `rca serve`
# rebuilds after an edit without re-validating the other records.
_LOADED: dict[str, tuple[str, LoadedRecord]] = {}


def build_site(
    source: Path,
    out: Path,
    profile: Profile,
    *,
    formats: Sequence[str] = ("pptx", "pdf", "html"),
    today: date,
    jobs: int | None = None,
    force: bool = False,
    template_dirs: Sequence[Path] = (),
    qa: Path | None = None,
    trends: bool = True,
    records_cache: Path | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_outcome: Callable[[CaseOutcome], None] | None = None,
) -> SiteResult:
    """Build (or bring up to date) the site of every case under `source` for one audience.

    `records_cache`: a file outside every site (`rca site` keeps it in the user's
    private cache folder, `records_cache_for`) where each record's checked and
    analysed parts are kept between processes.
    """
    clock = _Clock()
    manifest = _load_manifest(out, profile)
    plan = BuildPlan(
        profiles=(profile,),
        formats=tuple(dict.fromkeys([*formats, "html"])),  # the case page links the HTML brief
        out_dir=out / "cases",
        today=today,
        template_dirs=tuple(template_dirs),
    )
    env = environment_key(plan)
    if manifest.get("env") != env or force:
        manifest.update(cards={}, similar={}, verdicts={}, trends={}, charts={}, pages={})
    manifest["env"] = env

    library, cards, parts, built = _library(source, profile, today, env, manifest, records_cache)
    sources = {path: entry["card"]["case_id"] for path, entry in manifest["cards"].items()}
    clock.lap("cards")

    similar = _similar(cards, manifest)
    if "similar_cases" in profile.brief.sections:  # the brief shows the first few too
        plan = replace(plan, extra={
            path: {profile.id: {"similar": [
                {k: m[k] for k in ("case_id", "title", "reason")}
                for m in similar.get(case_id, [])[:BRIEF_TOP]
            ]}}
            for path, case_id in sources.items()
        })  # fmt: skip
    clock.lap("similar")

    outcomes = build_many([source], plan, jobs=jobs, force=force, on_start=on_start,
                          on_outcome=on_outcome)  # fmt: skip
    if any(o.status == "failed" for o in outcomes):
        raise SiteError(outcomes)
    files: dict[str, list[str]] = {}
    for outcome in outcomes:
        if outcome.case_id is not None:
            prefix = f"{outcome.case_id}/"
            files[outcome.case_id] = [f.removeprefix(prefix) for f in outcome.files]
    clock.lap("cases")

    trend_files: list[str] | None = None
    trend_key, trend_artifacts = "", list[Artifact]()
    if trends:
        trend_key, trend_files, trend_artifacts = _trends(
            source, qa, library, parts, profile, today, template_dirs, manifest, out
        )
    clock.lap("trends")

    site = pages.Site(
        audience=profile.id,
        audience_title=profile.title,
        classification=profile.classification,
        as_of=max(c["as_of"] for c in cards) if cards else today.isoformat(),
        today=today.isoformat(),
        formats=plan.formats,
        trends=trend_files is not None,
        labels=_labels(cards),
    )
    dirs = tuple(template_dirs)
    known = {c["case_id"]: c["title"] for c in cards}
    named_by: dict[str, list[str]] = {}  # case id -> the reviews that declare it related
    for card in cards:
        for other in card["related"]:
            named_by.setdefault(other, []).append(card["case_id"])
    case_pages = _case_pages(site, cards, files, similar, known, named_by, dirs, manifest, out)
    artifacts = [
        *pages.asset_files(site, dirs),
        pages.index_page(site, cards, dirs),
        pages.actions_page(site, cards, dirs),
        pages.search_page(site, dirs),
        *case_pages,
    ]
    if trend_files is not None:
        artifacts.append(pages.trends_page(site, trend_files, dirs))
    clock.lap("pages")

    from rca.site.search import search_index

    index = search_index(case_pages, profile.id)
    clock.lap("search")

    from rca.site.guard import check_site

    briefs = [
        Artifact(f"cases/{case_id}/{profile.id}.html", (out / "cases" / case_id /
                 f"{profile.id}.html").read_bytes(), profile.id)
        for case_id in sorted(files)
        if f"{profile.id}.html" in files[case_id]
    ]  # fmt: skip
    verdicts: dict[str, str] = manifest.setdefault("verdicts", {})
    check_site(library, profile, [*artifacts, *index, *briefs], verdicts)
    clock.lap("guard")

    result = SiteResult(out, profile.id, len(cards), outcomes, cards_built=built)
    kept_trends = [f"trends/{f}" for f in trend_files or []]
    _write(out, [*trend_artifacts, *artifacts], index, manifest, files, result, kept_trends)
    manifest["files"] = sorted({a.name for a in [*artifacts, *index]} | set(kept_trends))
    manifest["trends"] = {"key": trend_key, "files": trend_files} if trend_files else {}
    manifest["case_ids"] = sorted(files)
    manifest["verdicts"] = {k: v for k, v in verdicts.items() if _kept(k, manifest, files)}
    _save_manifest(out, manifest)
    clock.lap("write")
    result.seconds = clock.laps
    return result


# --------------------------------------------------------------------------- pages


def _case_pages(
    site: pages.Site,
    cards: Sequence[dict[str, Any]],
    files: dict[str, list[str]],
    similar: dict[str, list[Any]],
    known: dict[str, str],
    named_by: dict[str, list[str]],
    dirs: tuple[Path, ...],
    manifest: dict[str, Any],
    out: Path,
) -> list[Artifact]:
    """Every case's page: rendered again only when what it shows changed.

    A page's key is everything it reads (the templates and rca, the site's facts, the card, the case's
    files, similar and related cases with their titles); the manifest keeps each
    page's key and its bytes' hash, so a page whose key holds is read back from
    OUT (and used only if its bytes are still those written), or from this process.
    """
    site_key = json.dumps(dataclasses.asdict(site), sort_keys=True, default=dict)
    kept: dict[str, Any] = manifest.get("pages") or {}
    made: dict[str, list[str]] = {}
    result: list[Artifact] = []
    for card in cards:
        case_id = card["case_id"]
        names = sorted(named_by.get(case_id, ()))
        titles = {c: known.get(c) for c in [*card["related"], *names]}
        shows = [manifest["env"], site_key, card, files.get(case_id, []), similar.get(case_id, []),
                 titles, names]  # fmt: skip
        key = hashlib.sha256(json.dumps(shows, sort_keys=True).encode()).hexdigest()
        name = pages.case_url(case_id)
        page = _kept_page(out, name, key, kept.get(name), site.audience)
        if page is None:
            page = pages.case_page(site, card, files.get(case_id, []), similar.get(case_id, []),
                                   known, named_by, dirs)  # fmt: skip
        _PAGES[name] = (key, page)
        made[name] = [key, hashlib.sha256(page.data).hexdigest()]
        result.append(page)
    manifest["pages"] = made
    return result


def _kept_page(out: Path, name: str, key: str, entry: Any, audience: str) -> Artifact | None:
    mine = _PAGES.get(name)
    if mine is not None and mine[0] == key and mine[1].audience == audience:
        return mine[1]
    if not (isinstance(entry, list) and len(entry) == 2 and entry[0] == key):
        return None
    try:
        data = (out / name).read_bytes()
    except OSError:
        return None
    return Artifact(name, data, audience) if hashlib.sha256(data).hexdigest() == entry[1] else None


# Case pages rendered in this process (`rca serve`), by name: (key, page).
_PAGES: dict[str, tuple[str, Artifact]] = {}


# --------------------------------------------------------------------------- cards


def _library(
    source: Path,
    profile: Profile,
    today: date,
    env: str,
    manifest: dict[str, Any],
    records_cache: Path | None,
) -> tuple[Library, list[dict[str, Any]], list[CasePart], int]:
    """Every record's card, trends part and guard part: kept from the last run when its key holds.

    A record is loaded and checked only when an entry is missing, or its key
    (`_record_key`) or its own digest does not match: a corrupt, hand-edited or
    foreign entry is built again, never trusted. Cards (redacted, one audience)
    live in the site's manifest; the record entries (the guard's part holds the
    record's raw identifiers) in `records_cache`, outside every site, and in
    this process. Returns the guard's library, the cards, the trends parts and
    how many cards were built.
    """
    from rca.trends.report import CasePart

    files = find_record_files([source])
    if not files:
        raise UsageError(f"{source}: no case records (*.yaml, *.yml) to build a site from")
    cards_cached: dict[str, Any] = manifest.get("cards") or {}
    on_disk = _read_records(records_cache)
    base = _records_env(today)
    problems: list[Problem] = []
    leaks: list[LeakError] = []
    owner: dict[str, Path] = {}
    built = 0
    fresh_cards: dict[str, Any] = {}
    fresh_records: dict[str, Any] = {}
    projects: dict[Path | None, str] = {}
    scan: list[ScanPart] = []
    cards: list[dict[str, Any]] = []
    parts: list[CasePart] = []
    for path in files:
        resolved = str(path.resolve())
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        key = _record_key(base, path, sha, projects)
        card_key = hashlib.sha256(f"{env}\0{CARD_VERSION}\0{key}".encode()).hexdigest()
        mine = _ENTRIES.get(resolved)
        record = _record_entry(mine if mine is not None else on_disk.get(resolved), key)
        card = _card_entry(cards_cached.get(resolved), card_key)
        if record is None or card is None:
            loaded = _load(path, sha)
            if isinstance(loaded, list):
                problems += loaded
                continue
            try:
                found = analyse(loaded, today=today)
                if record is None:
                    entry: dict[str, Any] = {
                        "key": key,
                        "trends": CasePart.of(loaded, found).as_dict(),
                        "guard": ScanPart.of(loaded).as_dict(),
                    }
                    entry["digest"] = _digest(entry)
                    record = _record_entry(entry, key)
                if card is None:
                    made = {"key": card_key, "card": case_card(loaded, profile, today=today,
                                                                 findings=found)}  # fmt: skip
                    made["digest"] = _digest(made)
                    card = _card_entry(made, card_key)
                    built += 1
            except LeakError as exc:
                leaks.append(exc)
                continue
            except RcaError as exc:
                problems.append(Problem(str(path), None, None, "", str(exc)))
                continue
            except Exception as exc:  # a bug in rca: name the case, build nothing
                problems.append(Problem(str(path), None, None, "", f"internal error "
                                        f"({type(exc).__name__}: {exc}); please report it"))  # fmt: skip
                continue
            assert record is not None and card is not None, "a fresh entry reads back"
        case_id: str = card[1]["case_id"]
        if case_id in owner:
            problems.append(
                Problem(str(path), None, None, "case_id", f"'{case_id}' is also used by {owner[case_id]}")
            )  # fmt: skip
            continue
        owner[case_id] = path
        fresh_records[resolved], part, guard = record
        fresh_cards[resolved] = card[0]
        cards.append(card[1])
        parts.append(part)
        scan.append(guard)
    if problems:
        raise RecordError(problems)
    if leaks:
        raise LeakError(", ".join(e.case_id for e in leaks), [x for e in leaks for x in e.leaks])
    manifest["cards"] = fresh_cards
    _ENTRIES.clear()
    _ENTRIES.update(fresh_records)
    if records_cache is not None and fresh_records != on_disk:
        text = json.dumps({"version": RECORDS_VERSION, "records": fresh_records}, sort_keys=True)
        write_atomic(records_cache, (text + "\n").encode("utf-8"))
    kept_paths = list(owner.values())

    def records() -> list[LoadedRecord]:  # only when the guard must say where a leak comes from
        out = []
        for path in kept_paths:
            loaded = _load(path, hashlib.sha256(path.read_bytes()).hexdigest())
            if isinstance(loaded, list):
                raise RecordError(loaded)
            out.append(loaded)
        return out

    return Library(tuple(scan), records), cards, parts, built


# The record entries of the last build in this process (`rca serve`), by resolved path.
_ENTRIES: dict[str, Any] = {}
RECORDS_VERSION = 1  # bump when what a record's entry holds changes


def _records_env(today: date) -> str:
    """What every record entry depends on besides its file: rca itself and the day."""
    from rca import __version__
    from rca.batch import package_digest

    return f"{__version__}\0{package_digest()}\0{today.isoformat()}\0{RECORDS_VERSION}"


def records_cache_for(out: Path) -> Path | None:
    """Where `rca site --out OUT` keeps its records' entries: the user's private cache, never OUT.

    An entry holds the record's declared identifiers (what the guard looks for),
    so it must not sit where a site is published from: `<cache>/sites/<hash of
    OUT>.json` in a folder only the user can read (`rca.usercache`). None when
    caching is off (`RCA_CACHE_DIR=`): every record is then checked on each build.
    """
    folder = private_folder("sites")
    if folder is None:
        return None
    name = hashlib.sha256(str(out.resolve()).encode("utf-8")).hexdigest()[:24]
    return folder / f"{name}.json"


def _read_records(path: Path | None) -> dict[str, Any]:
    """The record entries kept on disk (none if missing, unreadable or of another version)."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != RECORDS_VERSION:
        return {}
    records = data.get("records")
    return records if isinstance(records, dict) else {}


def _record_key(base: str, path: Path, sha: str, projects: dict[Path | None, str]) -> str:
    """Everything a record's entry depends on: rca and the day (`base`), the file, its project.

    The project file (rca.toml) brings the organisation's taxonomies, cause codes,
    roles and service levels: the project as read, so a taxonomy file it names counts too.
    """
    found = find_project_file(path)
    if found not in projects:
        try:
            projects[found] = (
                hashlib.sha256(repr(load_project(found)).encode()).hexdigest()
                if found is not None
                else "none"
            )
        except RecordError:
            projects[found] = "broken"  # check_record reports it
    parts = [base, str(path), sha, projects[found]]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _digest(entry: dict[str, Any]) -> str:
    """An entry's own digest: a corrupt or hand-edited entry does not match it."""
    body = {k: v for k, v in entry.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _whole(entry: Any, key: str) -> bool:
    return (
        isinstance(entry, dict)
        and entry.get("key") == key
        and entry.get("digest") == _digest(entry)
    )


def _record_entry(entry: Any, key: str) -> tuple[dict[str, Any], CasePart, ScanPart] | None:
    """A record's entry with its parts, if it is whole and its key is `key`; else None."""
    from rca.trends.report import CasePart

    if not _whole(entry, key):
        return None
    try:
        part, guard = CasePart.from_dict(entry["trends"]), ScanPart.from_dict(entry["guard"])
    except (KeyError, TypeError, ValueError):
        return None
    return (entry, part, guard) if part.case_id == guard.case_id else None


def _card_entry(entry: Any, key: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """A card's entry and the card, if it is whole and its key is `key`; else None."""
    if not _whole(entry, key) or not isinstance(entry.get("card"), dict):
        return None
    card: dict[str, Any] = entry["card"]
    return (entry, card) if isinstance(card.get("case_id"), str) else None


def _load(path: Path, sha: str) -> LoadedRecord | list[Problem]:
    """The record, checked (kept in this process by its content hash), or its problems."""
    resolved = str(path.resolve())
    known = _LOADED.get(resolved)
    if known is not None and known[0] == sha:
        return known[1]
    loaded, problems = check_record(path)
    if loaded is None:
        return problems
    if loaded.sha256 != sha:  # changed since it was read: check it again next time
        return loaded
    _LOADED[resolved] = (sha, loaded)
    return loaded


def _similar(cards: Sequence[dict[str, Any]], manifest: dict[str, Any]) -> dict[str, list[Any]]:
    """Each case's most similar cases, as plain dicts with their reason in words."""
    from rca.similar import Features, corpus_digest, rank_all

    corpus = [Features.from_dict(c["features"]) for c in cards]
    digest = corpus_digest(corpus, TOP)
    cached = manifest.get("similar") or {}
    if cached.get("digest") == digest:
        ranked: dict[str, list[Any]] = cached["ranked"]
        return ranked
    labels = _labels(cards)
    ranked = {
        case_id: [{**m.as_dict(), "reason": m.reason(labels)} for m in matches]
        for case_id, matches in rank_all(corpus, TOP).items()
    }
    manifest["similar"] = {"digest": digest, "ranked": ranked}
    return ranked


def _labels(cards: Sequence[dict[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for card in cards:
        out.update(card["labels"])
    return out


# --------------------------------------------------------------------------- trends


def _trends(
    source: Path,
    qa: Path | None,
    library: Library,
    parts: Sequence[CasePart],
    profile: Profile,
    today: date,
    template_dirs: Sequence[Path],
    manifest: dict[str, Any],
    out: Path,
) -> tuple[str, list[str], list[Artifact]]:
    """The trends brief, charts and tables for OUT/trends/: their key, names, and new artifacts.

    Rebuilt only when a record or the QA data changed, from each record's part
    (kept with its card); otherwise no artifact is returned and the files on
    disk stay. Nothing is written here.
    """
    qa_path = qa if qa is not None else (source / "qa" if (source / "qa").is_dir() else None)
    digest = hashlib.sha256(json.dumps(sorted(p.sha256 for p in parts)).encode())
    if qa_path is not None:
        for path in sorted(qa_path.rglob("*")) if qa_path.is_dir() else [qa_path]:
            if path.is_file():
                digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    key = digest.hexdigest()
    entry = manifest.get("trends") or {}
    folder = out / "trends"
    if entry.get("key") == key and all((folder / f).is_file() for f in entry.get("files", [])):
        files: list[str] = entry["files"]
        return key, files, []
    from rca.site.guard import check_site
    from rca.trends.qa import QaData, read_qa, read_qa_folder
    from rca.trends.queries import Scope
    from rca.trends.report import draw_charts, render_trends, trends_of

    qa_data: QaData | None = None
    if qa_path is not None:
        qa_data = read_qa_folder(qa_path) if qa_path.is_dir() else QaData(read_qa(qa_path, name="assessments"), None)  # fmt: skip
    # The same figures for every audience (no identifier at all), named for this site's.
    title = f"{profile.id.replace('_', ' ').replace('-', ' ').capitalize()} trends"
    trends = trends_of(parts, qa_data, Scope(period="month"), today,
                       template_dirs=template_dirs, title=title)  # fmt: skip
    # The charts read the figures only: an edit that changes no count (a problem
    # statement, a title) draws none again, in this process or the next (the last
    # charts are kept in the manifest with the figures' key and their own digest).
    drawn = _figures_key(trends)
    if _CHARTS.get("key") != drawn:
        charts = _kept_charts(manifest.get("charts"), drawn)
        _CHARTS.update(key=drawn, charts=charts or draw_charts(trends, raster=False))
    charts_entry: dict[str, Any] = {
        "key": drawn,
        "charts": {n: _diagram_data(d) for n, d in _CHARTS["charts"].items()},
    }
    charts_entry["digest"] = _digest(charts_entry)
    manifest["charts"] = charts_entry
    artifacts = render_trends(trends, _CHARTS["charts"], TRENDS_FORMATS, template_dirs)
    # The trends hold no identifier for any audience: every file is held to that, against
    # every case's identifiers in one pass, as rca.trends' own check does.
    check_site(library, profile, artifacts, strict=True, codes=trends.context["meta"]["digests"])
    named = [Artifact(f"trends/{a.name}", a.data, profile.id) for a in artifacts]
    return key, sorted(a.name for a in artifacts), named


# The last charts drawn in this process (`rca serve`): an edit that changes no count
# draws none again.
_CHARTS: dict[str, Any] = {}


def _figures_key(trends: Any) -> str:
    """A key for what the charts draw: the figures and labels, as JSON (sets sorted)."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
            return {"__class__": type(value).__name__, **fields}
        if isinstance(value, set | frozenset):
            return sorted(value, key=repr)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Enum):
            return value.value
        raise TypeError(f"cannot key {type(value).__name__}")

    figures = [trends.qa, trends.cases, trends.labels]
    try:
        text = json.dumps(figures, sort_keys=True, default=plain)
    except (TypeError, ValueError):  # a figure JSON cannot hold: kept in this process only
        return "pickle:" + hashlib.sha256(pickle.dumps(figures)).hexdigest()
    return hashlib.sha256(text.encode()).hexdigest()


def _diagram_data(diagram: Diagram) -> dict[str, Any]:
    data = dataclasses.asdict(diagram)
    data["png"] = base64.b64encode(diagram.png).decode("ascii")
    return data


def _kept_charts(entry: Any, key: str) -> dict[str, Diagram] | None:
    """The charts the manifest keeps, if they are whole and drew the figures of `key`."""
    from rca.render.registry import Diagram

    if (
        key.startswith("pickle:")
        or not _whole(entry, key)
        or not isinstance(entry.get("charts"), dict)
    ):
        return None
    try:
        return {
            name: Diagram(**{**data, "png": base64.b64decode(data["png"]),
                             "omitted": tuple(data["omitted"])})
            for name, data in entry["charts"].items()
        }  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- writing


def _write(
    out: Path,
    artifacts: Sequence[Artifact],
    index: Sequence[Artifact],
    manifest: dict[str, Any],
    files: dict[str, list[str]],
    result: SiteResult,
    keep_too: Sequence[str] = (),
) -> None:
    """Write what changed; Pagefind's entry file last, so a reader never meets a half index.

    Then remove what the previous build wrote and this one did not (`keep_too`:
    files this build keeps as they are, the cached trends).
    """
    entry = [a for a in index if a.name.endswith("pagefind-entry.json")]
    ordered = [*[a for a in index if a not in entry], *artifacts, *entry]
    for artifact in ordered:
        path = out / artifact.name
        try:
            unchanged = path.read_bytes() == artifact.data
        except OSError:
            unchanged = False
        if not unchanged:
            write_atomic(path, artifact.data)
            result.written.append(path)
    keep = {a.name for a in ordered} | set(keep_too)
    for name in manifest.get("files", []):
        if name not in keep:
            path = out / name
            if path.is_file():
                path.unlink()
                result.removed.append(path)
    for case_id in set(manifest.get("case_ids", [])) - set(files):
        folder = out / "cases" / case_id
        if folder.is_dir():
            shutil.rmtree(folder)
            result.removed.append(folder)


def _kept(name: str, manifest: dict[str, Any], files: dict[str, list[str]]) -> bool:
    if name in manifest["files"]:
        return True
    parts = name.split("/")
    return len(parts) == 3 and parts[0] == "cases" and parts[1] in files


def _load_manifest(out: Path, profile: Profile) -> dict[str, Any]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {
            "version": MANIFEST_VERSION,
            "audience": profile.id,
        }  # a first build, or a lost manifest
    if data.get("audience") != profile.id:
        raise UsageError(
            f"{out} holds the {data.get('audience')} site; a site shows one audience only: "
            "choose another --out"
        )
    return data


def _save_manifest(out: Path, manifest: dict[str, Any]) -> None:
    write_atomic(out / MANIFEST, (json.dumps(manifest, sort_keys=True) + "\n").encode("utf-8"))


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now
