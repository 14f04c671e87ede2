"""Command line: parse arguments, call the pipeline, turn RcaError into a message and an exit code.

Exit codes (every command): 0 success, 1 invalid input records (or a failed
check), 2 usage error (bad option, missing path).
"""

from __future__ import annotations

import json
import sys
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
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
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
    "--process-type", "-p", default="emergency_disclosure", show_default=True,
    help="Legal process type of the escalation (see `rca schema` for the list).",
)
@click.option(
    "--out", "-o", type=click.Path(path_type=Path), default=None,
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
    "--out", "-o", type=click.Path(path_type=Path), default=Path("schemas"), show_default=True,
    help="Folder to write the JSON Schema into.",
)
@click.option("--check", is_flag=True, help="Only check that the files are up to date (exit 1 if stale).")
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


def main() -> None:
    """Console entry point."""
    cli(prog_name="rca")
