"""Templates in a sandbox: no way out to Python, no way to the raw record, clean errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rca import templating
from rca.audience import select_profiles
from rca.cli import cli
from rca.errors import LeakError, TemplateError
from rca.load import load_records
from rca.pipeline import render_case
from rca.templating import render_template, template_environment

ROOT = Path(__file__).parent.parent
CASE = ROOT / "case_reviews" / "ESC-0185.yaml"

ESCAPES = [
    ("{{ ''.__class__.__mro__ }}", "access to attribute '__class__' of 'str' object is unsafe"),
    (
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "access to attribute '__init__' of 'type' object is unsafe",
    ),
    ("{{ lipsum.__globals__ }}", "access to attribute '__globals__' of 'function' object"),
    ("{{ self._TemplateReference__context }}", "'_TemplateReference__context'"),
    ("{{ case|attr('__class__') }}", "access to attribute '__class__' of 'dict' object"),
    ("{{ '{0.__class__}'.format(case) }}", "access to attribute '__class__' of 'dict' object"),
    ("{{ case.timeline.append(1) }}", "access to attribute 'append' of 'list' object is unsafe"),
    ("{{ case.update(x=1) }}", "access to attribute 'update' of 'dict' object is unsafe"),
    ("{{ 'x' * 100000000 }}", "'*' would build 100,000,000 items; at most 1,000,000"),
    ("{{ 10 ** 100000 }}", "'**' with an exponent of 100000 is refused"),
]


@pytest.mark.parametrize(("source", "refusal"), ESCAPES)
def test_escapes_are_refused_naming_the_file_and_line(
    tmp_path: Path, source: str, refusal: str
) -> None:
    (tmp_path / "brief.j2").write_text(f"first line\n\n{source}\n")
    env = template_environment([tmp_path], html=True)
    with pytest.raises(TemplateError) as caught:
        render_template(env, "brief.j2", {"case": {"timeline": []}}, what="brief")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'brief.j2'}:3: refused by the template sandbox: ")
    assert refusal in message and "\n" not in message


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ missing }}", ":2: 'missing' is undefined"),
        ("{% if %}", ":2: template syntax error: Expected an expression"),
        ("{% for i in range(10**7) %}{% endfor %}", ":2: OverflowError: Range too big."),
        ("{{ 1 // 0 }}", ":2: ZeroDivisionError: integer division or modulo by zero"),
        ('{% include "nowhere.j2" %}', "brief.j2:2: brief template 'nowhere.j2' not found"),
    ],
)
def test_other_template_errors_are_one_clean_line(
    tmp_path: Path, source: str, expected: str
) -> None:
    (tmp_path / "brief.j2").write_text(f"x\n{source}\n")
    env = template_environment([tmp_path])
    with pytest.raises(TemplateError) as caught:
        render_template(env, "brief.j2", {}, what="brief")
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_a_context_with_anything_but_plain_data_is_refused() -> None:
    env = template_environment()
    with pytest.raises(Exception, match=r"context\.x\[0\] is a LoadedRecord, not plain data"):
        render_template(env, "x", {"x": [load_records([CASE])[0]]}, what="brief")


def test_an_escape_in_a_user_template_fails_the_render_cleanly(tmp_path: Path) -> None:
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "leadership.html.j2").write_text("ok\n{{ ''.__class__ }}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "render",
            str(CASE),
            "-a",
            "leadership",
            "-f",
            "html",
            "-o",
            str(out),
            "--templates",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1
    assert result.output == (
        f"rca: {tmp_path / 'briefs' / 'leadership.html.j2'}:2: refused by the template sandbox: "
        "access to attribute '__class__' of 'str' object is unsafe.\n"
    )
    assert not out.exists() or not any(out.glob("ESC-*"))


def strings(value: Any) -> list[str]:
    """Every string in nested plain data (keys included)."""
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack += list(item.keys()) + list(item.values())
        elif isinstance(item, (list, tuple)):
            stack += list(item)
    return found


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_templates_never_hold_the_raw_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, audience: str
) -> None:
    """A template that dumps everything it is given smuggles out no declared identifier.

    Encoding it (base64, reversed, split) would not help: the declared values
    are simply not in what a template gets, which is what this checks.
    """
    (tmp_path / "briefs").mkdir()
    dump = "".join(
        f"<pre id='{k}'>{{{{ {k}|tojson }}}}</pre>\n"
        for k in ("case", "findings", "meta", "view", "decisions", "brief", "labels", "audience")
    )
    (tmp_path / "briefs" / f"{audience}.html.j2").write_text(dump)
    seen: list[dict[str, Any]] = []
    original = templating.render_template

    def spy(env: Any, name: str, context: Any, **kwargs: Any) -> str:
        seen.append(dict(context))
        return original(env, name, context, **kwargs)

    monkeypatch.setattr("rca.render.html.render_template", spy)
    loaded = load_records([CASE])[0]
    values = [i.value for i in loaded.record.identifiers]
    try:
        artifacts = render_case(
            loaded, select_profiles([audience]), ["html"], template_dirs=[tmp_path]
        )
    except LeakError as exc:  # the guard may stop it too; what matters is the context
        pytest.fail(f"a dump of the context leaked: {exc}")
    (context,) = seen
    everything = "\n".join(strings(context)).casefold()
    for value in values:
        assert value.casefold() not in everything
    html = next(a.data for a in artifacts if a.name.endswith(".html")).decode()
    assert json.dumps(context["meta"]["case_id"]) in html  # the dump worked: a positive control
    for value in values:
        assert value.casefold() not in html.casefold()


# --------------------------------------------------------------------------- compiled-template cache


def _cached_env(
    folder: Path, templates: Path, monkeypatch: pytest.MonkeyPatch, *, html: bool
) -> Any:
    monkeypatch.setenv("RCA_CACHE_DIR", str(folder))
    return template_environment((templates,), html=html)


def test_a_second_process_loads_compiled_templates_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "t.html.j2").write_text("<p>{{ x }}</p>", encoding="utf-8")
    first = _cached_env(tmp_path / "cache", templates, monkeypatch, html=True)
    assert first.get_template("t.html.j2").render(x="<b>") == "<p>&lt;b&gt;</p>"
    entries = list((tmp_path / "cache" / "templates").glob("rca-*.cache"))
    assert len(entries) == 1
    assert (tmp_path / "cache" / "templates").stat().st_mode & 0o777 == 0o700

    second = _cached_env(tmp_path / "cache", templates, monkeypatch, html=True)
    monkeypatch.setattr(second, "compile", lambda *a, **k: pytest.fail("compiled again"))
    assert second.get_template("t.html.j2").render(x="<b>") == "<p>&lt;b&gt;</p>"

    # An environment that escapes differently compiles its own entry.
    plain = _cached_env(tmp_path / "cache", templates, monkeypatch, html=False)
    assert plain.get_template("t.html.j2").render(x="<b>") == "<p><b></p>"
    assert len(list((tmp_path / "cache" / "templates").glob("rca-*.cache"))) == 2


def test_an_edited_or_damaged_template_cache_entry_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    source = templates / "t.txt.j2"
    source.write_text("one {{ x }}", encoding="utf-8")
    env = _cached_env(tmp_path / "cache", templates, monkeypatch, html=False)
    assert env.get_template("t.txt.j2").render(x=1) == "one 1"

    source.write_text("two {{ x }}", encoding="utf-8")
    env = _cached_env(tmp_path / "cache", templates, monkeypatch, html=False)
    assert env.get_template("t.txt.j2").render(x=1) == "two 1"

    for entry in (tmp_path / "cache" / "templates").glob("rca-*.cache"):
        entry.write_bytes(entry.read_bytes()[:20])  # right header, code cut short
    env = _cached_env(tmp_path / "cache", templates, monkeypatch, html=False)
    assert env.get_template("t.txt.j2").render(x=1) == "two 1"


def test_no_template_cache_when_turned_off_or_the_folder_is_not_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RCA_CACHE_DIR", "")
    assert templating.template_cache() is None
    shared = tmp_path / "shared"
    (shared / "templates").mkdir(parents=True)
    (shared / "templates").chmod(0o777)
    monkeypatch.setenv("RCA_CACHE_DIR", str(shared))
    assert templating.template_cache() is None
    (shared / "templates").chmod(0o700)
    assert templating.template_cache() is not None
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("RCA_CACHE_DIR", str(blocked))
    assert templating.template_cache() is None
