"""The trends pipeline: load -> aggregate -> chart -> render -> guard -> write.

records, qa = load_inputs(cases_dir, qa_path)
trends = build_trends(records, qa, scope, today)      # QA + case trends and the context
charts = draw_charts(trends, raster=any(r.raster_diagrams for r in renderers(formats)))
artifacts = render_trends(trends, charts, formats)    # deck, brief, charts, tables
check_trends(records, artifacts, trends)              # the leak guard; nothing written on a hit
write_trends(artifacts, out / "trends")
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rca.artifact import Artifact
from rca.audience import DecisionDefaults, Profile
from rca.errors import Leak, LeakError, TooLargeError, UsageError
from rca.fs import output_lock, replace_folder
from rca.load import LoadedRecord, load_records
from rca.render.registry import Diagram, Renderer, RenderInput
from rca.trends.cases import Rows, case_rows
from rca.trends.context import Source, trends_context
from rca.trends.qa import QaData, read_qa, read_qa_folder
from rca.trends.queries import Scope
from rca.trends.summary import CaseTrends, QaTrends, case_trends_of, qa_trends

if TYPE_CHECKING:
    from rca.analyse.findings import Findings

FORMATS = ("pptx", "pdf", "html", "csv", "json")
# The report's documents, by extension, as "module:class" implementing rca.render.registry's
# Renderer protocol (imported only when used). Their order is the render order: the HTML
# brief before the PDF laid out from it. csv and json are the tables (export.py).
RENDERERS: dict[str, str] = {
    "pptx": "rca.trends.deck:TrendsDeckRenderer",
    "html": "rca.trends.brief:TrendsHtmlRenderer",
    "pdf": "rca.trends.brief:TrendsPdfRenderer",
}
AUDIENCE = (
    "leadership"  # whose profile sets the marking; the guard holds every output to no-identifiers
)


@dataclass(frozen=True)
class Trends:
    """The aggregated trends and the context the deck and brief are rendered from."""

    qa: QaTrends | None
    cases: CaseTrends
    context: dict[str, Any]
    labels: dict[str, str]


def load_inputs(cases_dir: Path, qa_path: Path | None) -> tuple[list[LoadedRecord], QaData | None]:
    """Validated case records and QA data; RecordError lists every problem in either."""
    from rca.errors import RecordError

    problems = []
    records: list[LoadedRecord] = []
    qa: QaData | None = None
    try:
        records = load_records([cases_dir])
    except RecordError as exc:
        problems += exc.problems
    if qa_path is not None:
        try:
            if qa_path.is_dir():
                qa = read_qa_folder(qa_path)
            else:
                qa = QaData(read_qa(qa_path, name="assessments"), None)
        except RecordError as exc:
            problems += exc.problems
    if problems:
        raise RecordError(problems)
    if not records:
        raise UsageError(f"{cases_dir}: no case records (*.yaml) to report on")
    return records, qa


def _own_labels(loaded: LoadedRecord) -> dict[str, str]:
    # The labels of a case's taxonomy and its organisation's cause codes.
    out: dict[str, str] = {}
    taxonomy = loaded.project.all_taxonomies.get(loaded.record.taxonomy)
    if taxonomy is not None:
        out.update({c.id: c.label for c in taxonomy.categories})
    out.update(loaded.project.cause_codes)  # the organisation's cause-code labels
    return out


@dataclass(frozen=True)
class CasePart:
    """All the trends read of one case: plain JSON data, so a site keeps it between runs.

    `rows`: its table rows (`rca.trends.cases.case_rows`); `labels`: its taxonomy's
    and organisation's labels; `audiences`: its project file's decision defaults
    (audience id -> [decider, within_days]); `roots`: its rows carry cause roles.
    """

    case_id: str
    sha256: str
    rows: Rows
    labels: dict[str, str]
    audiences: dict[str, list[Any]]
    roots: bool

    @classmethod
    def of(cls, loaded: LoadedRecord, found: Findings | None) -> CasePart:
        """The part of one record, with its findings as of the report's day (or None)."""
        return cls(
            loaded.record.case_id,
            loaded.sha256,
            case_rows(loaded, found),
            _own_labels(loaded),
            {k: [v.decider, v.within_days] for k, v in loaded.project.audiences.items()},
            found is not None and bool(found.causes),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON data (`from_dict` reads it back)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CasePart:
        """The part `as_dict` wrote."""
        return cls(**data)


def build_trends(
    records: Sequence[LoadedRecord],
    qa: QaData | None,
    scope: Scope,
    today: date,
    *,
    template_dirs: Sequence[Path] = (),
) -> Trends:
    """QA trends, case trends (with the analysis's root causes) and the report context."""
    from rca.analyse import analyse

    parts = [CasePart.of(r, analyse(r, today=today)) for r in records]
    return trends_of(parts, qa, scope, today, template_dirs=template_dirs)


def trends_of(
    parts: Sequence[CasePart],
    qa: QaData | None,
    scope: Scope,
    today: date,
    *,
    template_dirs: Sequence[Path] = (),
    title: str | None = None,
) -> Trends:
    """`build_trends` from each case's part: a site keeps the parts of unchanged records.

    `title` names the report's readers where it is shown (default: leadership's).
    """
    from rca.audience import select_profiles
    from rca.render.context import LABELS

    cases = case_trends_of([p.rows for p in parts], today=today, scope=scope,
                           roots=any(p.roots for p in parts))  # fmt: skip
    qa_part = qa_trends(qa, scope) if qa is not None else None
    labels = dict(LABELS)
    for part in parts:
        labels.update(part.labels)
    (profile,) = select_profiles([AUDIENCE], template_dirs)
    digest = _digest((p.case_id, p.sha256) for p in parts)
    source = Source(digest, qa_digest(qa), len(parts), profile.classification,
                    today, _decision_defaults(profile, [p.audiences for p in parts]))  # fmt: skip
    context = trends_context(qa_part, cases, source, labels)
    if title is not None:
        context["audience"] = {**context["audience"], "title": title}
    return Trends(qa_part, cases, context, labels)


def _digest(cases: Iterable[tuple[str, str]]) -> str:
    """What the outputs name the case records by: a hash of (case id, content hash)
    pairs, never a path. Issue 11: a folder or file name can hold an identifier
    (`export_<account>.yaml`), and no output names one. The 12 hex digits tell
    two runs' data apart."""
    digest = hashlib.sha256()
    for case_id, sha256 in sorted(cases):
        digest.update(f"{case_id}\0{sha256}\n".encode())
    return digest.hexdigest()[:12]


def qa_digest(qa: QaData | None) -> str | None:
    """A hash of the QA files' content (None without QA data or for in-memory data)."""
    if qa is None:
        return None
    tables = [t for t in (qa.assessments, qa.calibration) if t is not None]
    if not all(t.sha256 for t in tables):
        return None
    digest = hashlib.sha256("\n".join(f"{t.kind} {t.sha256}" for t in tables).encode())
    return digest.hexdigest()[:12]


def _decision_defaults(
    profile: Profile, audiences: Sequence[dict[str, list[Any]]]
) -> DecisionDefaults:
    spec = next((a[profile.id] for a in audiences if profile.id in a), None)
    if spec is None:
        return profile.decisions
    changes = {"decider": spec[0], "within_days": spec[1]}
    return profile.decisions.model_copy(update={k: v for k, v in changes.items() if v is not None})


def qa_charts(
    qa: QaTrends, *, raster: bool = True, labels: dict[str, str] | None = None
) -> dict[str, Diagram]:
    """Every QA chart: a p-chart per check, accuracy by period, error types, agreement."""
    from rca.trends import charts

    period = qa.scope.period
    out = {d.name: d for d in (charts.control_chart(c, period, raster=raster) for c in qa.charts)}
    out["accuracy-by-period"] = charts.accuracy_panels(
        qa.accuracy, qa.charts, period, raster=raster
    )
    out["pareto-error-types"] = charts.pareto_chart(
        "pareto-error-types", "QA errors by type", [(r.key, r.count) for r in qa.errors],
        unit="error", what="error type", names=labels, raster=raster,
    )  # fmt: skip
    if qa.agreement:
        out["agreement"] = charts.agreement_chart(qa.agreement, raster=raster)
    return out


def case_charts(
    cases: CaseTrends, labels: dict[str, str], *, raster: bool = True
) -> dict[str, Diagram]:
    """Every case chart: cause categories and codes, the action portfolio, clock breaches."""
    from rca.trends import charts

    roots = bool(cases.root_categories)
    word = "Root causes" if roots else "Causes"
    unit = "root cause" if roots else "cause"
    categories = [(r.key, r.causes) for r in (cases.root_categories if roots else cases.categories)]
    codes = [(r.key, r.causes) for r in (cases.root_codes if roots else cases.codes)]
    out = {
        "pareto-categories": charts.pareto_chart(
            "pareto-categories", f"{word} by fishbone category", categories, unit=unit,
            what="category", names=labels, raster=raster,
        ),
        "action-portfolio": charts.portfolio_chart(cases.portfolio, raster=raster),
        "clock-breaches": charts.breach_chart(cases.clocks, labels, raster=raster),
    }  # fmt: skip
    if charts.is_pareto(codes):  # a tail of one-off codes has no concentration to chart
        out["pareto-cause-codes"] = charts.pareto_chart(
            "pareto-cause-codes", f"{word} by cause code", codes, unit=unit, what="cause code",
            names=labels, raster=raster,
        )  # fmt: skip
    return out


def draw_charts(trends: Trends, *, raster: bool = True) -> dict[str, Diagram]:
    """Every chart of the report (PNGs only when a deck needs them)."""
    out = qa_charts(trends.qa, raster=raster, labels=trends.labels) if trends.qa else {}
    out.update(case_charts(trends.cases, trends.labels, raster=raster))
    return out


def renderers(formats: Sequence[str]) -> list[Renderer]:
    """The document renderers the formats ask for, in render order."""
    import importlib

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(
            f"unknown trends format(s) {', '.join(unknown)}; expected: {', '.join(FORMATS)}"
        )
    out = []
    for extension, target in RENDERERS.items():
        if extension in formats:
            module, _, name = target.partition(":")
            out.append(getattr(importlib.import_module(module), name)())
    return out


def render_trends(
    trends: Trends,
    charts: dict[str, Diagram],
    formats: Sequence[str],
    template_dirs: Sequence[Path] = (),
) -> list[Artifact]:
    """Every output, in memory: deck, brief (HTML, PDF), charts, tables."""
    from rca.trends.export import table_files

    documents = renderers(formats)
    given = RenderInput(trends.context, charts, tuple(template_dirs))
    out = [Artifact(f"trends.{r.extension}", r.render(given), AUDIENCE) for r in documents]
    if documents:  # the charts beside the documents that show them
        for chart in charts.values():
            out.append(Artifact(f"charts/{chart.name}.svg", chart.svg.encode("utf-8"), AUDIENCE))
            if chart.png:
                out.append(Artifact(f"charts/{chart.name}.png", chart.png, AUDIENCE))
    tables = {**(trends.qa.tables() if trends.qa else {}), **trends.cases.tables()}
    columns = {**(QaTrends.columns() if trends.qa else {}), **CaseTrends.columns()}
    for name, content in table_files(tables, columns, formats).items():
        out.append(Artifact(name, content, AUDIENCE))
    return out


def check_trends(
    records: Sequence[LoadedRecord], artifacts: Sequence[Artifact], trends: Trends | None = None
) -> None:
    """The leak guard over every output, against every case's declared identifiers.

    Trends outputs hold aggregates only, so no audience may see an identifier
    here: a declared value or an undeclared pattern anywhere stops the run. One
    scanner holds every case's identifiers (one pass over each output, however
    many cases). An output too large to read is TooLargeError (exit 4), not a
    leak. `trends` lets the hashes its "generated" line prints pass as codes.
    """
    from rca.privacy.detect import pattern_hits
    from rca.privacy.extract import TooLarge, Unreadable, extract
    from rca.privacy.guard import Scanner

    if not records:
        return
    scanner = Scanner.of_library(records)
    if trends is not None:
        source = trends.context["meta"]["digests"]
        scanner.public |= {hit.text for text in source for hit in pattern_hits(text)}
    leaks: dict[tuple[str, str, str, str], Leak] = {}
    too_large: list[str] = []
    for artifact in artifacts:
        try:
            chunks = extract(artifact.name, artifact.data)
        except TooLarge as exc:
            too_large.append(f"{scanner.mask(artifact.name)}: {exc}")
            continue
        except Unreadable as exc:
            leak = scanner.safe(
                Leak(
                    artifact.name,
                    "whole file",
                    f"cannot be read, so cannot be shown clean: {exc}",
                    "unreadable",
                )
            )
            leaks[(leak.artifact, leak.where, leak.what, leak.variant)] = leak
            continue
        for leak in scanner.scan(artifact.name, chunks, allow_declared=False):
            leaks.setdefault((leak.artifact, leak.where, leak.what, leak.variant), leak)
    if leaks:
        raise LeakError("trends", list(leaks.values()))
    if too_large:
        raise TooLargeError("trends", too_large)


def write_trends(artifacts: Sequence[Artifact], folder: Path) -> list[Path]:
    """Replace `folder` (normally OUT/trends) with exactly these artifacts, whole: old or new."""
    return replace_folder(folder, [(a.name, a.data) for a in artifacts])


def run(
    cases_dir: Path,
    qa_path: Path | None,
    out_dir: Path,
    *,
    scope: Scope,
    today: date,
    formats: Sequence[str] = FORMATS,
    template_dirs: Sequence[Path] = (),
) -> tuple[Trends, list[Path]]:
    """The whole trends run; returns the trends and the files written under OUT/trends."""
    records, qa = load_inputs(cases_dir, qa_path)
    trends = build_trends(records, qa, scope, today, template_dirs=template_dirs)
    documents = renderers(formats)
    charts = (
        draw_charts(trends, raster=any(r.raster_diagrams for r in documents)) if documents else {}
    )
    artifacts = render_trends(trends, charts, formats, template_dirs)
    check_trends(records, artifacts, trends)
    with output_lock(out_dir, "trends"):
        return trends, write_trends(artifacts, out_dir / "trends")
