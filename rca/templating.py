"""One sandboxed jinja environment over an ordered template path: the user's folders, then rca's own.

Built-ins are also reachable as `default:NAME`, so an override can extend the
template it replaces (`{% extends "default:brief.html" %}`) instead of copying it.

Every template, rca's and the user's (`--templates`), runs in jinja's
immutable sandbox: no attribute starting with `_` (so no
`''.__class__.__mro__` walk to `os.popen`), no method that changes a list or
dict of the context, ranges capped, and `*` / `**` refused when they would
build something huge. The sandbox keeps a template from reaching Python; what
keeps it from the record is the context itself: templates get only the
audience's redacted view as plain data (dicts, lists, text, numbers), checked
by `plain_context` before every render. The leak guard still reads the result.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from rca.errors import RcaError, TemplateError
from rca.usercache import private_folder

# The longest text or list `*` may build in a template (a brief is ~100 KB).
MAX_REPEAT = 1_000_000
PLAIN_TYPES = (str, int, float, bool, type(None), date, datetime)
_LEAVES = frozenset({*PLAIN_TYPES, Markup})
_TEXT = frozenset({str})


def builtin_template_dir() -> Path:
    """Where rca's own templates are installed."""
    return Path(str(importlib.resources.files("rca.templates")))


class Sandbox(ImmutableSandboxedEnvironment):
    """jinja's immutable sandbox, with `*` and `**` kept from building giant values."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        """Refuse `'x' * 10**9` and `10 ** 10**9` (memory and CPU) before computing them."""
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                sized = isinstance(seq, (str, list, tuple)) and isinstance(count, int)
                if sized and len(seq) * count > MAX_REPEAT:
                    raise SecurityError(
                        f"'*' would build {len(seq) * count:,} items; at most {MAX_REPEAT:,}"
                    )
        elif operator == "**" and _huge_power(left, right):
            raise SecurityError(f"'**' with an exponent of {right} is refused")
        return super().call_binop(context, operator, left, right)


def _huge_power(left: Any, right: Any) -> bool:
    return isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 1024


def template_environment(
    user_dirs: Sequence[Path] = (), *, html: bool = False
) -> jinja2.Environment:
    """A sandboxed jinja environment that fails loudly on a missing variable."""
    builtin = jinja2.FileSystemLoader(str(builtin_template_dir()))
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(d) for d in user_dirs]),
            builtin,
            jinja2.PrefixLoader({"default": builtin}, delimiter=":"),
        ]
    )
    return Sandbox(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        keep_trailing_newline=True,
        trim_blocks=False,
        bytecode_cache=template_cache(),
    )


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs, so a new process does not compile them again.

    Compiling the ~20 templates of a brief is about 0.1 s of every `rca render`.
    An entry is found by the template's name and file and by the settings of the
    environment that compiled it (its class, escaping, filters and tests), and
    used only when the source's checksum and jinja's and Python's versions match
    (jinja checks the last two). A cache that cannot be read or written is
    skipped: it never fails a build.
    """

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory), "rca-%s.cache")

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> jinja2.bccache.Bucket:
        """The entry for `name`, keyed by the environment's settings as well."""
        kind = type(environment)
        settings = (
            f"{kind.__module__}.{kind.__qualname__}|{environment.autoescape}|"
            f"{environment.undefined.__name__}|{environment.keep_trailing_newline}|"
            f"{environment.trim_blocks}|{environment.lstrip_blocks}|"
            f"{','.join(sorted(environment.filters))}|{','.join(sorted(environment.tests))}|"
        )
        return super().get_bucket(environment, settings + name, filename, source)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill `bucket` from its file when there is one; a damaged file counts as none."""
        try:
            super().load_bytecode(bucket)
        except Exception:  # pickle and marshal raise many kinds on a damaged file
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Write `bucket` (jinja writes a temporary file and renames it); never raises."""
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache() -> TemplateCache | None:
    """The cache of compiled templates: $RCA_CACHE_DIR/templates, else the user's cache folder.

    `RCA_CACHE_DIR=` (empty) turns it off. A folder rca cannot make, or one that
    is not the user's own and private (mode 700), is not used.
    """
    folder = private_folder("templates")
    return None if folder is None else TemplateCache(folder)


def plain_context(value: Any, where: str = "context") -> None:
    """Raise RcaError unless `value` is plain data all the way down.

    Plain: dicts with text keys, lists and tuples, text (Markup included),
    numbers, booleans, None, dates. No model object, no function, nothing with
    attributes a template could follow back to the record.
    """
    if _is_plain(value):
        return
    stack: list[tuple[Any, str]] = [(value, where)]  # again, naming where it is not
    while stack:
        item, path = stack.pop()
        if isinstance(item, PLAIN_TYPES) or type(item) is Markup:
            continue
        if type(item) is dict:
            for key, child in item.items():
                if not isinstance(key, str):
                    raise RcaError(f"internal error: {path} has a non-text key {key!r}")
                stack.append((child, f"{path}.{key}"))
        elif type(item) in (list, tuple):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
        else:
            raise RcaError(
                f"internal error: {path} is a {type(item).__name__}, not plain data; "
                "templates get only plain data"
            )


def _is_plain(value: Any) -> bool:
    """`plain_context`'s test without the paths it names: a context of 1,000
    causes holds some 100,000 values, and a path string for each costs more
    than the test itself. A container's children are typed in one C-level pass."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            if not set(map(type, item)) <= _TEXT:
                return False
            children: Any = item.values()
        elif kind is list or kind is tuple:
            children = item
        elif kind in _LEAVES or isinstance(item, PLAIN_TYPES):
            continue
        else:
            return False
        if set(map(type, children)) <= _LEAVES:
            continue
        for child in children:
            kind = type(child)
            if kind is dict or kind is list or kind is tuple:
                stack.append(child)
            elif kind not in _LEAVES and not isinstance(child, PLAIN_TYPES):
                return False
    return True


def render_template(
    env: jinja2.Environment,
    name: str,
    context: Mapping[str, Any],
    *,
    what: str,
    searched: Sequence[Path] = (),
) -> str:
    """Render template `name` with `context`; any failure is one TemplateError naming file and line.

    `context` must be plain data (see `plain_context`); `what` says which
    template this is in messages ("brief", "trends", "scaffold").
    """
    plain_context(dict(context))
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        where = f" (searched {', '.join(map(str, searched))})" if searched else ""
        # Named by another template ({% include %}, {% extends %}): say which, and where.
        by = f"{_place(exc.__traceback__, name)}: " if exc.name != name else ""
        raise TemplateError(f"{by}{what} template {exc.name!r} not found{where}") from None
    except jinja2.TemplateSyntaxError as exc:
        place = exc.filename or exc.name or name
        raise TemplateError(f"{place}:{exc.lineno}: template syntax error: {exc.message}") from None
    except SecurityError as exc:
        raise TemplateError(
            f"{_place(exc.__traceback__, name)}: refused by the template sandbox: {exc}"
        ) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{_place(exc.__traceback__, name)}: {exc.message or exc}") from None
    except RecursionError:
        raise TemplateError(f"{name}: templates call each other too deeply (recursion)") from None
    except RcaError:
        raise
    except (ValueError, TypeError, ArithmeticError, LookupError, AttributeError) as exc:
        # A filter or test given the wrong kind of value, a division by zero...
        raise TemplateError(
            f"{_place(exc.__traceback__, name)}: {type(exc).__name__}: {exc}"
        ) from None


def _place(tb: TracebackType | None, fallback: str) -> str:
    """`file:line` of the innermost template frame in a traceback (jinja maps its frames back)."""
    found = fallback
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and os.path.isfile(filename):
            found = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found
