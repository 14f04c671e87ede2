"""Command line: parse arguments, call the pipeline, turn RcaError into a message and an exit code.

Exit codes (every command): 0 success, 1 invalid input records (or a failed
check), 2 usage error (bad option, missing path).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from rca import __version__
from rca.errors import RcaError, RecordError

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


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

    Exit codes: 0 success, 1 invalid records, 2 usage error.
    """


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
    if fmt == "json":
        report = {
            "valid": not invalid,
            "files": [
                {
                    "path": str(r.path),
                    "case_id": r.loaded.record.case_id if r.loaded is not None else None,
                    "valid": not r.problems,
                    "problems": [p.as_dict() for p in r.problems],
                }
                for r in results
            ],
        }
        click.echo(json.dumps(report, indent=2))
    else:
        for r in results:
            for problem in r.problems:
                click.echo(str(problem))
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

    stale = []
    for name, text in schema_files().items():
        target = out / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        stale.append(target)
        if not check:
            from rca.fs import write_atomic

            write_atomic(target, text.encode("utf-8"))
            click.echo(f"wrote {target}")
    if check and stale:
        for target in stale:
            click.echo(f"{target}: out of date; run `rca schema --out {out}`", err=True)
        sys.exit(EXIT_INVALID)
    if not stale:
        click.echo(f"{out}: up to date")


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
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="The date overdue actions are judged against (default: today).",
)
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
    from rca.load import load_records

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
    cases = [analyse(loaded, config, today=day) for loaded in load_records(paths)]
    errors = sum(f.count("error") for f in cases)
    if fmt == "json":
        report = {
            "errors": errors,
            "warnings": sum(f.count("warning") for f in cases),
            "cases": [f.to_dict() for f in cases],
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(text_report(cases, _styled), nl=False)
    if errors:
        sys.exit(EXIT_INVALID)


_STYLES: dict[str, dict[str, Any]] = {
    "heading": {"bold": True},
    "error": {"fg": "red", "bold": True},
    "breach": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow"},
    "info": {"fg": "cyan"},
    "ok": {"fg": "green"},
    "dim": {"dim": True},
}


def _styled(text: str, role: str) -> str:
    # click.echo drops the colour codes when the output is not a terminal.
    return click.style(text, **_STYLES.get(role, {}))


def main() -> None:
    """Console entry point."""
    cli(prog_name="rca")
