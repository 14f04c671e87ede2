"""Every command and option is documented in the README (and every lint rule in docs/)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from rca.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_and_its_options_are_in_the_readme(name: str) -> None:
    command = cli.commands[name]
    assert f"`rca {name}" in README, f"README does not document `rca {name}`"
    rows = [line for line in README.splitlines() if line.startswith(f"| `rca {name}")]
    assert rows, f"README's command table has no row for rca {name}"
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            long = max(param.opts, key=len)
            assert long in rows[0], f"README's row for rca {name} omits {long}"


def test_readme_quick_start_has_exactly_the_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in section.strip().splitlines()]
    assert commands == ["./scripts/run.sh", "./scripts/test.sh"]
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/test.sh" in ci
