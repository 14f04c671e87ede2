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

import hashlib
import json
import pickle
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from rca.artifact import Artifact
from rca.audience import Profile
from rca.batch import BuildPlan, CaseOutcome, build_many, environment_key, failed_exit_code
from rca.errors import LeakError, Problem, RcaError, RecordError, UsageError
from rca.fs import write_atomic
from rca.load import LoadedRecord, check_record, find_record_files
from rca.site import pages
from rca.site.cards import CARD_VERSION, case_card

MANIFEST = ".rca-site.json"
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
    on_start: Callable[[int, int], None] | None = None,
    on_outcome: Callable[[CaseOutcome], None] | None = None,
) -> SiteResult:
    """Build (or bring up to date) the site of every case under `source` for one audience."""
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
        manifest.update(cards={}, similar={}, verdicts={}, trends={})
    manifest["env"] = env

    records, cards, built = _records_and_cards(source, profile, today, env, manifest)
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
            source, qa, records, profile, today, template_dirs, manifest, out
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
    case_pages = [
        pages.case_page(site, card, files.get(card["case_id"], []),
                        similar.get(card["case_id"], []), known, named_by, dirs)
        for card in cards
    ]  # fmt: skip
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
    check_site(records, profile, [*artifacts, *index, *briefs], verdicts)
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


# --------------------------------------------------------------------------- cards


def _records_and_cards(
    source: Path, profile: Profile, today: date, env: str, manifest: dict[str, Any]
) -> tuple[list[LoadedRecord], list[dict[str, Any]], int]:
    """Every record (validated), and its card: from the cache when its key is unchanged."""
    files = find_record_files([source])
    if not files:
        raise UsageError(f"{source}: no case records (*.yaml, *.yml) to build a site from")
    cached: dict[str, Any] = manifest.setdefault("cards", {})
    records: list[LoadedRecord] = []
    cards: list[dict[str, Any]] = []
    problems: list[Problem] = []
    leaks: list[LeakError] = []
    owner: dict[str, Path] = {}
    built = 0
    fresh: dict[str, Any] = {}
    for path in files:
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        known = _LOADED.get(str(path.resolve()))
        loaded = known[1] if known is not None and known[0] == sha else None
        if loaded is None:
            loaded, found = check_record(path)
            if loaded is None:
                problems += found
                continue
            _LOADED[str(path.resolve())] = (sha, loaded)
        case_id = loaded.record.case_id
        if case_id in owner:
            problems.append(
                Problem(str(path), None, None, "case_id", f"'{case_id}' is also used by {owner[case_id]}")
            )  # fmt: skip
            continue
        owner[case_id] = path
        key = hashlib.sha256(f"{env}\0{CARD_VERSION}\0{sha}".encode()).hexdigest()
        entry = cached.get(str(path.resolve()))
        if entry is not None and entry.get("key") == key:
            card = entry["card"]
        else:
            try:
                card = case_card(loaded, profile, today=today)
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
            built += 1
        fresh[str(path.resolve())] = {"key": key, "card": card}
        records.append(loaded)
        cards.append(card)
    if problems:
        raise RecordError(problems)
    if leaks:
        raise LeakError(", ".join(e.case_id for e in leaks), [x for e in leaks for x in e.leaks])
    manifest["cards"] = fresh
    return records, cards, built


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
    records: Sequence[LoadedRecord],
    profile: Profile,
    today: date,
    template_dirs: Sequence[Path],
    manifest: dict[str, Any],
    out: Path,
) -> tuple[str, list[str], list[Artifact]]:
    """The trends brief, charts and tables for OUT/trends/: their key, names, and new artifacts.

    Rebuilt only when a record or the QA data changed; otherwise no artifact is
    returned and the files on disk stay. Nothing is written here.
    """
    qa_path = qa if qa is not None else (source / "qa" if (source / "qa").is_dir() else None)
    digest = hashlib.sha256(json.dumps(sorted(r.sha256 for r in records)).encode())
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
    from rca.trends.report import build_trends, draw_charts, render_trends

    live = {id(r) for r in records}
    for stale in [k for k in _ANALYSED if k not in live]:
        del _ANALYSED[stale]
    qa_data: QaData | None = None
    if qa_path is not None:
        qa_data = read_qa_folder(qa_path) if qa_path.is_dir() else QaData(read_qa(qa_path, name="assessments"), None)  # fmt: skip
    trends = build_trends(records, qa_data, Scope(period="month"), today,
                          template_dirs=template_dirs, analysed=_analysed(today))  # fmt: skip
    # The charts read the figures only: an edit that changes no count (a problem
    # statement, a title) draws none again in this process. Pickled, equal figures are
    # equal bytes here (in another process a set may order its strings otherwise: a
    # miss, never a false match).
    drawn = hashlib.sha256(pickle.dumps((trends.qa, trends.cases, trends.labels))).hexdigest()
    if _CHARTS.get("key") != drawn:
        _CHARTS.update(key=drawn, charts=draw_charts(trends, raster=False))
    artifacts = render_trends(trends, _CHARTS["charts"], TRENDS_FORMATS, template_dirs)
    # The trends hold no identifier for any audience: every file is held to that, against
    # every case's identifiers in one pass, as rca.trends' own check does.
    check_site(records, profile, artifacts, strict=True, codes=trends.context["meta"]["digests"])
    named = [Artifact(f"trends/{a.name}", a.data, profile.id) for a in artifacts]
    return key, sorted(a.name for a in artifacts), named


# Kept in this process for `rca serve`: each record's findings with the day they were
# analysed for (the trends re-analyse only the edited record), and the last charts drawn.
_ANALYSED: dict[int, tuple[LoadedRecord, date, Any]] = {}
_CHARTS: dict[str, Any] = {}


def _analysed(today: date) -> Callable[[LoadedRecord], Any]:
    from rca.analyse import analyse

    def findings(loaded: LoadedRecord) -> Any:
        kept = _ANALYSED.get(id(loaded))
        if kept is not None and kept[0] is loaded and kept[1] == today:
            return kept[2]
        found = analyse(loaded, today=today)
        _ANALYSED[id(loaded)] = (loaded, today, found)
        return found

    return findings


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
    if not isinstance(data, dict) or data.get("version") != 1:
        return {"version": 1, "audience": profile.id}  # a first build, or a lost manifest
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
