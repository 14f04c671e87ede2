"""One jinja environment over an ordered template path: the user's folders, then rca's own.

Built-ins are also reachable as `default:NAME`, so an override can extend the
template it replaces (`{% extends "default:brief.html" %}`) instead of copying it.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Sequence
from pathlib import Path

import jinja2


def builtin_template_dir() -> Path:
    """Where rca's own templates are installed."""
    return Path(str(importlib.resources.files("rca.templates")))


def template_environment(
    user_dirs: Sequence[Path] = (), *, html: bool = False
) -> jinja2.Environment:
    """A jinja environment that fails loudly on a missing variable."""
    builtin = jinja2.FileSystemLoader(str(builtin_template_dir()))
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(d) for d in user_dirs]),
            builtin,
            jinja2.PrefixLoader({"default": builtin}, delimiter=":"),
        ]
    )
    return jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
