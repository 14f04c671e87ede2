"""Command line: parse arguments, call the pipeline, turn RcaError into a message and an exit code.

Exit codes (every command): 0 success, 1 invalid input records (or a failed
check, or a failed case in a batch), 2 usage error (bad option, missing path),
3 the leak guard stopped an output (nothing of that case was written), 4 the
case is too large to render within rca's limits (an output too large for the
leak guard to read, or the per-case time limit; nothing of it was written),
75 the output folder is in use by another rca process. A batch exits with its
most serious failure: 3, else 1, and 4 only when every failure was a limit.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from rca import __version__
from rca.errors import RcaError, RecordError

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_LEAK = 0, 1, 2, 3
_F = TypeVar("_F", bound=Callable[..., Any])


class _Group(click.Group):
    """A click group that turns RcaError into its message and exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RecordError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(exc.exit_code)
        except RcaError as exc:
            click.echo(f"rca: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rca")
def cli() -> None:
    """rca: root-cause analyses and case reviews for law-enforcement response teams.

    Write an escalation record as YAML (`rca new`), check it (`rca validate`),
    and keep the JSON Schema editors use up to date (`rca schema`).

    Exit codes: 0 success, 1 invalid records (or a failed case), 2 usage error,
    3 the leak guard stopped an output, 4 the case is too large to render (an
    output too large to check, or the per-case time limit), 75 the output
    folder is busy.
    """


_TODAY = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="The date overdue actions are judged against (default: today).",
)
_TIME_LIMIT = click.option(
    "--time-limit",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    envvar="RCA_TIME_LIMIT",
    help="Stop a case that takes longer than this to analyse, render and check, with a clear "
    "error and exit code 4 (default: 120; 0: no limit; env RCA_TIME_LIMIT).",
)
_DRAFT = click.option(
    "--draft",
    is_flag=True,
    help="Render a review that is not approved, or is marked approved but does not pass as "
    "approved (lint errors under --strict, changes requested still open), with a DRAFT "
    "marking on every output, instead of refusing it.",
)
_TEMPLATES = click.option(
    "--templates",
    "template_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of your own templates and audience profiles, searched before the built-ins "
    "(repeatable).",
)


def _choose_pdf_engine(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        from rca.render.registry import set_pdf_engine

        set_pdf_engine(value)


def _brief_engine(
    template_dirs: tuple[Path, ...], formats: Sequence[str], *, trends: bool = False
) -> None:
    """Print PDF briefs with an engine that reads the organisation's style.css, saying so once.

    `trends`: the trends brief's rule (its stylesheets and Typst template folder).
    """
    if "pdf" not in formats:
        return
    from rca.render.registry import stylesheet_engine, using_pdf_engine

    if trends:
        from rca.trends import brief

        engine, notice = brief.stylesheet_engine(template_dirs)
    else:
        engine, notice = stylesheet_engine(template_dirs)
    if notice:
        click.echo(f"rca: note: {notice}", err=True)
    if engine:  # for this command only (workers inherit it through the environment)
        click.get_current_context().with_resource(using_pdf_engine(engine))


_PDF_ENGINE = click.option(
    "--pdf-engine",
    type=click.Choice(["weasyprint", "typst"]),
    default=None,
    expose_value=False,
    callback=_choose_pdf_engine,
    help="What lays out the PDF briefs (default: $RCA_PDF_ENGINE, else typst); "
    "see docs/pdf-engines.md.",
)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per problem (path:line:col: field: message); json: a report object.",
)
def validate(paths: tuple[Path, ...], fmt: str) -> None:
    """Check case records (files or folders of *.yaml) against the schema.

    Reports every problem in every file, then exits 1 if any record is invalid.
    """
    from rca.load import check_records

    results = check_records(paths)
    invalid = [r for r in results if r.problems]
    notes = {
        r.path: f"schema_version 1 is deprecated; `rca migrate {r.path}` rewrites it as "
        "version 2, comments kept"
        for r in results
        if r.loaded is not None and r.loaded.source_version == 1
    }
    if fmt == "json":
        report = {
            "valid": not invalid,
            "files": [
                {
                    "path": str(r.path),
                    "case_id": r.loaded.record.case_id if r.loaded is not None else None,
                    "valid": not r.problems,
                    "problems": [p.as_dict() for p in r.problems],
                    "notes": [notes[r.path]] if r.path in notes else [],
                }
                for r in results
            ],
        }
        click.echo(json.dumps(report, indent=2))
    else:
        for r in results:
            for problem in r.problems:
                click.echo(str(problem))
            if r.path in notes:
                click.echo(f"{r.path}: note: {notes[r.path]}")
        count = sum(len(r.problems) for r in results)
        summary = f"{len(results)} record(s) checked: {len(results) - len(invalid)} valid"
        if invalid:
            summary += f", {len(invalid)} invalid ({count} problem(s))"
        click.echo(summary, err=bool(invalid))
    if invalid:
        sys.exit(EXIT_INVALID)


@cli.command()
@click.argument("case_id")
@click.option(
    "--process-type",
    "-p",
    default="emergency_disclosure",
    show_default=True,
    help="Legal process type of the escalation (see `rca schema` for the list).",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (default: ./CASE_ID.yaml).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new(case_id: str, process_type: str, out: Path | None, force: bool) -> None:
    """Scaffold a commented case record to fill in.

    The first line points YAML-aware editors at the JSON Schema, so they offer
    completion and flag mistakes as you type.
    """
    from rca.scaffold import write_scaffold

    path = write_scaffold(case_id, process_type, out or Path(f"{case_id}.yaml"), force=force)
    click.echo(f"wrote {path}; fill in the <...> placeholders, then run: rca validate {path}")


@cli.command()
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder to write the JSON Schema into.",
)
@click.option(
    "--check", is_flag=True, help="Only check that the files are up to date (exit 1 if stale)."
)
def schema(out: Path, check: bool) -> None:
    """Write the record's JSON Schema (for editors and other tools) into a folder."""
    from rca.schema import schema_files

    stale: list[tuple[Path, str]] = []
    for name, text in schema_files().items():
        target = out / name
        try:
            current = target.read_text(encoding="utf-8") if target.exists() else None
        except (OSError, UnicodeDecodeError):
            current = ""  # unreadable counts as out of date; writing replaces it
        if current == text:
            continue
        stale.append((target, "missing" if current is None else "out of date"))
        if not check:
            from rca.fs import write_atomic

            write_atomic(target, text.encode("utf-8"))
            click.echo(f"wrote {target}")
    if check and stale:
        for target, why in stale:
            click.echo(f"{target}: {why}; run `rca schema --out {out}`", err=True)
        sys.exit(EXIT_INVALID)
    if not stale:
        click.echo(f"{out}: up to date")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--check", is_flag=True, help="Only list the records still on an older schema (exit 1 if any)."
)
def migrate(paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite schema v1 records as v2, in place, keeping comments and key order.

    v2 moves what belongs to one legal request (process type, triage, requester,
    addressed entity, data scope) from escalation: into a requests: list, and
    turns an action's mechanism into a mechanisms: list. Every migrated file is
    validated before it replaces the old one; nothing is written if it would not.
    """
    from rca.errors import Problem, RecordError
    from rca.fs import write_atomic
    from rca.load import check_record, find_record_files
    from rca.migrate import MigrateError, migrate_text, source_version
    from rca.yamlsafe import read_yaml

    pending, problems = [], []
    for path in find_record_files(paths):
        located, _ = read_yaml(path)
        if located is None or not isinstance(located.data, dict):
            continue  # rca validate says what is wrong with it
        if source_version(located.data) != 1:
            continue
        if check:
            pending.append(path)
            continue
        try:
            text = migrate_text(path.read_text(encoding="utf-8"))
        except MigrateError as exc:
            problems.append(Problem(str(path), None, None, "", f"cannot migrate: {exc}"))
            continue
        staged = path.with_name(f".{path.name}.migrated")
        try:
            staged.write_text(text, encoding="utf-8")
            loaded, found = check_record(staged)
        finally:
            staged.unlink(missing_ok=True)
        before, _ = check_record(path)
        if loaded is None or (before is not None and before.record != loaded.record):
            why = "; ".join(p.message for p in found) or "the content would change"
            problems.append(Problem(str(path), None, None, "", f"not migrated: {why}"))
            continue
        write_atomic(path, text.encode("utf-8"))
        click.echo(f"migrated {path}")
    if check:
        for path in pending:
            click.echo(f"{path}: schema_version 1; run `rca migrate {path}`")
        if pending:
            sys.exit(EXIT_INVALID)
        click.echo("every record is on schema_version 2")
        return
    if problems:
        raise RecordError(problems)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a readable report per case; json: the findings, for other tools.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Treat lint warnings as errors (always so for approved and published reviews).",
)
@_TODAY
@click.option(
    "--lexicon",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A YAML file of blame and hindsight phrases replacing the built-in lexicon.",
)
@click.option(
    "--min-chain-depth",
    type=click.IntRange(min=1),
    metavar="N",
    default=3,
    show_default=True,
    help="Fewest whys a chain may have before it counts as shallow.",
)
@click.option(
    "--max-chain-depth",
    type=click.IntRange(min=1),
    metavar="N",
    default=8,
    show_default=True,
    help="Most whys a chain may have before it counts as suspiciously long.",
)
def analyze(
    paths: tuple[Path, ...],
    fmt: str,
    strict: bool,
    today: datetime | None,
    lexicon: Path | None,
    min_chain_depth: int,
    max_chain_depth: int,
) -> None:
    """Analyse case records: root causes, why-chains, actions, clocks and lint findings.

    Builds each case's causal graph, ranks its root causes, measures its clocks
    against the service levels, and checks the analysis against the lint rules
    (docs/lint-rules.md). Exits 1 if any record is invalid or any finding is an
    error; warnings count as errors with --strict and in approved reviews.
    """
    from rca.analyse import analyse
    from rca.analyse.config import AnalysisConfig, builtin_lexicon, load_lexicon
    from rca.analyse.report import text_report
    from rca.load import check_records, load_records

    if min_chain_depth > max_chain_depth:
        raise click.BadParameter(
            f"{min_chain_depth} is more than --max-chain-depth {max_chain_depth}",
            param_hint="--min-chain-depth",
        )
    config = AnalysisConfig(
        min_chain_depth=min_chain_depth,
        max_chain_depth=max_chain_depth,
        lexicon=load_lexicon(lexicon) if lexicon else builtin_lexicon(),
        strict=strict,
    )
    day = today.date() if today else None
    if fmt == "json":
        # Valid records are analysed even when others are not: the report says which is which.
        results = check_records(paths)
        cases = [analyse(r.loaded, config, today=day) for r in results if r.loaded is not None]
        invalid = [r for r in results if r.problems]
        errors = sum(f.count("error") for f in cases)
        report = {
            "errors": errors,
            "warnings": sum(f.count("warning") for f in cases),
            "cases": [f.to_dict() for f in cases],
            "invalid": [
                {"path": str(r.path), "problems": [p.as_dict() for p in r.problems]}
                for r in invalid
            ],
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        if errors or invalid:
            sys.exit(EXIT_INVALID)
        return
    cases = [analyse(loaded, config, today=day) for loaded in load_records(paths)]
    errors = sum(f.count("error") for f in cases)
    click.echo(text_report(cases, _styled), nl=False)
    if errors:
        sys.exit(EXIT_INVALID)


def _split(values: tuple[str, ...]) -> list[str]:
    # `--format pptx,pdf --format html` and `--format pptx --format pdf` mean the same.
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _audience_option(default: str) -> Callable[[_F], _F]:
    return click.option(
        "--audience",
        "-a",
        "audiences",
        multiple=True,
        default=(default,),
        show_default=True,
        help="Audience profile(s): leadership, specialist, your own, or all (comma-separated "
        "or repeated).",
    )


def _format_option() -> Callable[[_F], _F]:
    return click.option(
        "--format",
        "-f",
        "formats",
        multiple=True,
        default=("pptx,pdf,html",),
        show_default=True,
        help="Output formats: pptx, pdf, html (comma-separated or repeated).",
    )


def _formats(values: tuple[str, ...]) -> list[str]:
    from rca.render.registry import available_formats

    formats = _split(values)
    unknown = [f for f in formats if f not in available_formats()]
    if unknown:
        raise click.BadParameter(
            f"{', '.join(unknown)}; expected: {', '.join(available_formats())}",
            param_hint="--format",
        )
    return list(dict.fromkeys(formats))


@cli.command()
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_audience_option("all")
@_format_option()
@_PDF_ENGINE
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Output folder; files go to OUT/<case-id>/<audience>.<ext>.",
)
@_TODAY
@_TEMPLATES
@_TIME_LIMIT
@_DRAFT
def render(
    case: Path,
    audiences: tuple[str, ...],
    formats: tuple[str, ...],
    out: Path,
    today: datetime | None,
    template_dirs: tuple[Path, ...],
    time_limit: float | None,
    draft: bool,
) -> None:
    """Render one case record into decks, briefs and diagrams for its audiences.

    Every output is checked by the leak guard before anything is written; the
    case's folder is then replaced whole, so a failure (or a crash) leaves the
    earlier outputs untouched.
    """
    from rca.pipeline import build

    _brief_engine(template_dirs, _formats(formats))
    written = build(
        [case],
        out,
        audiences=_split(audiences),
        formats=_formats(formats),
        today=today.date() if today else None,
        template_dirs=template_dirs,
        time_limit_seconds=time_limit,
        draft=draft,
    )
    for path in written:
        click.echo(f"wrote {path}")


@cli.command()
@click.argument(
    "folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Output folder: OUT/<case-id>/<audience>.<ext>, diagrams in OUT/<case-id>/diagrams/.",
)
@_audience_option("all")
@_format_option()
@_PDF_ENGINE
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel workers (default: all cores).",
)
@click.option("--force", is_flag=True, help="Rebuild every case, ignoring the cache.")
@click.option(
    "--summary-json",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the per-case outcomes as JSON to this file.",
)
@_TODAY
@_TEMPLATES
@_TIME_LIMIT
@_DRAFT
def build(
    folder: Path | None,
    out: Path,
    audiences: tuple[str, ...],
    formats: tuple[str, ...],
    jobs: int | None,
    force: bool,
    summary_json: Path | None,
    today: datetime | None,
    template_dirs: tuple[Path, ...],
    time_limit: float | None,
    draft: bool,
) -> None:
    """Render every case in FOLDER (default: the bundled example cases) for every audience.

    Only cases whose record, templates, profiles or rca itself changed are
    rebuilt (cache in OUT/.rca-cache.json). One failing case never stops the
    others; the summary says which failed and why. Exit code 3 if the leak
    guard stopped any case, else 1 if any failed, else 4 if every failure was a
    limit (time, or an output too large to check).
    """
    import importlib.resources
    from datetime import date

    from rca.audience import select_profiles
    from rca.batch import BuildPlan, build_many, failed_exit_code, outcomes_json
    from rca.fs import write_atomic
    from rca.progress import BuildProgress

    source = folder or Path(str(importlib.resources.files("rca.case_reviews")))
    _brief_engine(template_dirs, _formats(formats))
    plan = BuildPlan(
        profiles=tuple(select_profiles(_split(audiences), template_dirs)),
        formats=tuple(_formats(formats)),
        out_dir=out,
        today=today.date() if today else date.today(),
        template_dirs=template_dirs,
        time_limit=time_limit,
        draft=draft,
    )
    with BuildProgress() as progress:
        outcomes = build_many(
            [source],
            plan,
            jobs=jobs,
            force=force,
            on_start=progress.start,
            on_outcome=progress.advance,
        )
    progress.summary(outcomes, out)
    if summary_json:
        write_atomic(summary_json, outcomes_json(outcomes).encode("utf-8"))
    code = failed_exit_code(outcomes)
    if code:
        sys.exit(code)


@cli.command()
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_audience_option("all")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Output folder (as for render).",
)
@click.option(
    "--all-formats",
    is_flag=True,
    help="Also re-render the decks and PDFs on every save (slower); default: HTML only.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=0.2,
    show_default=True,
    help="Seconds between checks for a change.",
)
@_TODAY
@_TEMPLATES
@_TIME_LIMIT
@_DRAFT
def watch(
    case: Path,
    audiences: tuple[str, ...],
    out: Path,
    all_formats: bool,
    interval: float,
    today: datetime | None,
    template_dirs: tuple[Path, ...],
    time_limit: float | None,
    draft: bool,
) -> None:
    """Re-render a case's HTML briefs every time the record is saved (Ctrl-C stops).

    Open OUT/<case-id>/<audience>.html in a browser and reload after a save.
    An invalid save prints its problems and keeps the last good output.
    """
    from rca.audience import select_profiles
    from rca.preview import watch_case

    _brief_engine(template_dirs, ("pdf",) if all_formats else ())
    watch_case(
        case,
        select_profiles(_split(audiences), template_dirs),
        out,
        formats=("html", "pptx", "pdf") if all_formats else ("html",),
        interval=interval,
        today=today.date() if today else None,
        template_dirs=template_dirs,
        echo=click.echo,
        time_limit=time_limit,
        draft=draft,
    )


TRENDS_FORMATS = ("pptx", "pdf", "html", "csv", "json")


@cli.command()
@click.argument(
    "folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--qa",
    "qa_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="QA assessments: a folder holding assessments.csv (and calibration.csv), or one file "
    "(.csv or .parquet). Default: FOLDER/qa when it exists; the bundled QA data when FOLDER "
    "is not given.",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Only QA items handled, and cases detected, on or after this date.",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Only QA items handled, and cases detected, on or before this date.",
)
@click.option(
    "--period",
    type=click.Choice(["month", "week"]),
    default="month",
    show_default=True,
    help="The period every trend is grouped by.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Output folder; files go to OUT/trends/ (trends.pptx, .pdf, .html, charts/, tables/).",
)
@click.option(
    "--format",
    "-f",
    "formats",
    multiple=True,
    default=(",".join(TRENDS_FORMATS),),
    show_default=True,
    help="Outputs: pptx, pdf, html, csv, json (comma-separated or repeated); csv and json "
    "write every table.",
)
@_PDF_ENGINE
@_TODAY
@_TEMPLATES
def trends(
    folder: Path | None,
    qa_path: Path | None,
    since: datetime | None,
    until: datetime | None,
    period: str,
    out: Path,
    formats: tuple[str, ...],
    today: datetime | None,
    template_dirs: tuple[Path, ...],
) -> None:
    """Trends across case reviews and QA assessments: a leadership deck, a brief, every table.

    Pareto of root-cause categories and cause codes, recurrence and ineffective
    actions, the corrective-action portfolio, clocks and service-level breaches;
    QA accuracy with control charts that flag unusual periods, error types, and
    reviewer agreement (calibration). FOLDER defaults to the bundled example cases.
    """
    import importlib.resources
    from datetime import date

    from rca.errors import UsageError
    from rca.trends.queries import Scope
    from rca.trends.report import run

    chosen = _split(formats)
    unknown = [f for f in chosen if f not in TRENDS_FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(
            f"{', '.join(unknown) or 'nothing'}; expected: {', '.join(TRENDS_FORMATS)}",
            param_hint="--format",
        )
    source = folder or Path(str(importlib.resources.files("rca.case_reviews")))
    if qa_path is None and (source / "qa").is_dir():
        qa_path = source / "qa"
    _brief_engine(template_dirs, chosen, trends=True)
    try:
        scope = Scope(
            period=period,  # type: ignore[arg-type]  # click.Choice keeps it to the Literal's values
            since=since.date() if since else None,
            until=until.date() if until else None,
        )
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    result, written = run(
        source,
        qa_path,
        out,
        scope=scope,
        today=today.date() if today else date.today(),
        formats=tuple(dict.fromkeys(chosen)),
        template_dirs=template_dirs,
    )
    for path in written:
        if path.suffix in (".pptx", ".pdf", ".html"):
            click.echo(f"wrote {path}")
    click.echo(f"wrote {len(written)} files under {out / 'trends'}")
    for line in result.context["headlines"]:
        if line["tone"] == "alert":
            click.echo(f"flag: {line['text']}")


_SITE_OUT = click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/site"),
    show_default=True,
    help="Folder of the sites: each audience's site goes to OUT/<audience>/.",
)
_QA = click.option(
    "--qa",
    "qa_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="QA data for the trends page (as for `rca trends`; default: FOLDER/qa when it exists).",
)
_NO_TRENDS = click.option(
    "--no-trends", is_flag=True, help="Leave out the trends page (it is rebuilt on every change)."
)


def _site_source(folder: Path | None) -> Path:
    import importlib.resources

    return folder or Path(str(importlib.resources.files("rca.case_reviews")))


@cli.command()
@click.argument(
    "folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@_audience_option("all")
@_SITE_OUT
@_format_option()
@_PDF_ENGINE
@_QA
@_NO_TRENDS
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel workers for the case outputs (default: all cores).",
)
@click.option("--force", is_flag=True, help="Rebuild everything, ignoring the caches.")
@_TODAY
@_TEMPLATES
def site(
    folder: Path | None,
    audiences: tuple[str, ...],
    out: Path,
    formats: tuple[str, ...],
    qa_path: Path | None,
    no_trends: bool,
    jobs: int | None,
    force: bool,
    today: datetime | None,
    template_dirs: tuple[Path, ...],
) -> None:
    """The case library: a static site of every case in FOLDER, one per audience.

    Each audience's site (OUT/<audience>/) has an index of every case (sortable
    and filterable), a page per case with its brief, deck, PDF, diagrams, review
    history, related and similar cases, the actions across cases, the trends and
    full-text search; it shows only what that audience may see and passes the
    leak guard as a whole. Rebuilds reuse the build cache: an edited record
    rebuilds its own case and the site's pages. Open OUT/<audience>/index.html,
    or `rca serve` it (search needs http).
    """
    from datetime import date

    from rca.audience import select_profiles
    from rca.progress import BuildProgress
    from rca.site.build import build_site, records_cache_for

    source = _site_source(folder)
    chosen = _formats(formats)
    _brief_engine(template_dirs, chosen)
    for profile in select_profiles(_split(audiences), template_dirs):
        with BuildProgress() as progress:
            result = build_site(
                source,
                out / profile.id,
                profile,
                formats=chosen,
                today=today.date() if today else date.today(),
                jobs=jobs,
                force=force,
                template_dirs=template_dirs,
                qa=qa_path,
                trends=not no_trends,
                records_cache=records_cache_for(out),
                on_start=progress.start,
                on_outcome=progress.advance,
            )
        built = sum(1 for o in result.outcomes if o.status == "built")
        click.echo(
            f"{profile.id}: {result.cases} cases ({built} rebuilt), "
            f"{len(result.written)} site files written; open {result.index}"
        )


@cli.command()
@click.argument(
    "folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--audience",
    "-a",
    default="leadership",
    show_default=True,
    help="The one audience whose site to serve (a site never mixes audiences).",
)
@_SITE_OUT
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; the default, localhost, keeps the site on this machine.",
)
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=1.0,
    show_default=True,
    help="Seconds between checks for a changed record.",
)
@_format_option()
@_PDF_ENGINE
@_QA
@_NO_TRENDS
@_TODAY
@_TEMPLATES
def serve(
    folder: Path | None,
    audience: str,
    out: Path,
    host: str,
    port: int,
    interval: float,
    formats: tuple[str, ...],
    qa_path: Path | None,
    no_trends: bool,
    today: datetime | None,
    template_dirs: tuple[Path, ...],
) -> None:
    """Build one audience's case library and serve it locally, rebuilding on every change.

    Prints the address to open. A record saved with a mistake prints its
    problems and the last good site stays up. Ctrl-C stops.
    """
    from datetime import date

    from rca.audience import select_profiles
    from rca.serve import serve_site
    from rca.site.build import build_site, records_cache_for

    profiles = select_profiles([audience], template_dirs)
    if len(profiles) != 1:
        raise click.BadParameter("name one audience", param_hint="--audience")
    profile = profiles[0]
    source = _site_source(folder)
    chosen = _formats(formats)
    _brief_engine(template_dirs, chosen)

    def build() -> Path:
        result = build_site(
            source,
            out / profile.id,
            profile,
            formats=chosen,
            today=today.date() if today else date.today(),
            jobs=1,  # in this process: its renderers stay warm between edits
            template_dirs=template_dirs,
            qa=qa_path,
            trends=not no_trends,
            records_cache=records_cache_for(out),
        )
        return result.out

    watched = [source, *template_dirs, *([qa_path] if qa_path else [])]
    serve_site(build, watched, host=host, port=port, interval=interval, echo=click.echo)


@cli.command()
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--library",
    "-l",
    "library",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Past cases to compare with: folders or files (default: the folder CASE is in).",
)
@click.option(
    "--top",
    "-n",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="How many similar cases to list.",
)
@click.option(
    "--audience",
    "-a",
    default="specialist",
    show_default=True,
    help="Whose view of the records to compare and quote (its redaction applies).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a ranked list with the reasons; json: the same, for other tools.",
)
@_TODAY
@_TEMPLATES
def similar(
    case: Path,
    library: tuple[Path, ...],
    top: int,
    audience: str,
    fmt: str,
    today: datetime | None,
    template_dirs: tuple[Path, ...],
) -> None:
    """Past cases most like CASE, and why: shared cause codes, process types and terms.

    Ranks by TF-IDF over cause codes, root-cause categories and process types,
    blended with TF-IDF over the problem statement, summary and causes, read
    through the audience's redaction.
    """
    from datetime import date

    from rca.audience import select_profiles
    from rca.similar import similar_cases

    profiles = select_profiles([audience], template_dirs)
    if len(profiles) != 1:
        raise click.BadParameter("name one audience", param_hint="--audience")
    target, matches, labels = similar_cases(
        case,
        list(library) or [case.parent],
        profiles[0],
        today=today.date() if today else date.today(),
        top=top,
    )
    if fmt == "json":
        report = {
            "case_id": target.case_id,
            "similar": [{**m.as_dict(), "reason": m.reason(labels)} for m in matches],
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(_styled(f"{target.case_id}: {target.title}", "heading"))
    if not matches:
        click.echo("No other case shares its cause codes, process type or terms.")
    for rank, match in enumerate(matches, start=1):
        click.echo(f"{rank}. {_styled(match.case_id, 'heading')} ({match.score:.2f}) {match.title}")
        click.echo(_styled(f"   {match.reason(labels)}", "dim"))


_STYLES: dict[str, dict[str, Any]] = {
    "heading": {"bold": True},
    "error": {"fg": "red", "bold": True},
    "breach": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow"},
    "info": {"fg": "cyan"},
    "ok": {"fg": "green"},
    "dim": {"dim": True},
}


@cli.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--audience",
    "-a",
    default="specialist",
    show_default=True,
    help="Whose view of the two versions to compare and quote (its redaction applies).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: the changes grouped and in words, for people; json: the same, for other tools.",
)
@_TEMPLATES
def diff(old: Path, new: Path, audience: str, fmt: str, template_dirs: tuple[Path, ...]) -> None:
    """What changed between two versions of one review, OLD and NEW.

    Compares the review's title, version and status, the legal requests, the
    causes and the links between them, the actions (owner, due, status,
    mechanisms...), the sign-offs and the revisions, each by id. Both versions
    are read as the audience sees them (default: specialists, with pseudonyms),
    so the output never quotes what that audience may not read. Exit 0 whether
    or not anything changed.
    """
    from rca.audience import select_profiles
    from rca.diff import as_text, diff_records, load_pair
    from rca.render.context import LABELS

    profiles = select_profiles([audience], template_dirs)
    if len(profiles) != 1:
        raise click.BadParameter("name one audience", param_hint="--audience")
    a, b = load_pair(old, new)
    result = diff_records(a, b, profiles[0])
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return
    labels = dict(LABELS)
    for loaded in (a, b):
        taxonomy = loaded.project.all_taxonomies.get(loaded.record.taxonomy)
        labels.update({c.id: c.label for c in taxonomy.categories} if taxonomy else {})
        labels.update(loaded.project.cause_codes)
    click.echo(as_text(result, labels), nl=False)


def _styled(text: str, role: str) -> str:
    # click.echo drops the colour codes when the output is not a terminal.
    return click.style(text, **_STYLES.get(role, {}))


def main() -> None:
    """Console entry point."""
    cli(prog_name="rca")
