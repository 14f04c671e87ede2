"""The site's pages, in memory: the index, a page per case, actions, trends, search.

Pages are rendered from the cases' cards (plain, redacted data) with the
templates in `templates/site/` (overridable like every template: a user folder
passed with --templates is searched first). Autoescaping is on; record text is
only ever element content or a quoted attribute, never a URL or a script.
Every link is relative, so the site opens from the files (`file://`) as well
as from a server.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from rca import __version__
from rca.artifact import Artifact
from rca.errors import RcaError
from rca.render import formatting
from rca.templating import builtin_template_dir, template_environment

ASSETS = ("site.css", "site.js", "search.js")


@dataclass(frozen=True)
class Site:
    """What every page knows about the site it belongs to."""

    audience: str
    audience_title: str
    classification: str
    as_of: str  # the latest `as_of` of the cases: the site's own date
    today: str
    formats: tuple[str, ...]
    trends: bool  # whether the site has a trends page
    labels: Mapping[str, str]


def case_url(case_id: str) -> str:
    """A case page's path in the site."""
    return f"cases/{case_id}/index.html"


@functools.lru_cache(maxsize=8)
def site_environment(user_dirs: tuple[Path, ...] = ()) -> jinja2.Environment:
    """The jinja environment for site pages: autoescaped, strict."""
    env = template_environment(user_dirs, html=True)
    if env.autoescape is not True:
        raise RcaError("the site's template environment must autoescape")
    env.filters.update(day=formatting.day, plural=formatting.plural, label=_label)
    return env


@jinja2.pass_context
def _label(ctx: jinja2.runtime.Context, code: str | None) -> str:
    return formatting.label(ctx["site"].labels, code) if code else ""


def render_page(
    name: str, template: str, site: Site, user_dirs: Sequence[Path], **context: Any
) -> Artifact:
    """One page of the site, `name` being its path under the site's folder."""
    depth = name.count("/")
    labels = site.labels

    def label(code: str | None) -> str:
        return formatting.label(labels, code) if code else ""

    env = site_environment(tuple(user_dirs))
    try:
        html = env.get_template(f"site/{template}").render(
            site=site,
            root="../" * depth,
            page=name,
            label=label,
            case_url=case_url,
            tool_version=__version__,
            **context,
        )
    except jinja2.TemplateNotFound as exc:
        raise RcaError(f"site template {exc.name!r} not found") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RcaError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise RcaError(f"site template {template!r}: {exc}") from None
    return Artifact(name, html.encode("utf-8"), site.audience)


def asset_files(site: Site, user_dirs: Sequence[Path]) -> list[Artifact]:
    """The stylesheet and scripts, from the first template folder that has each."""
    out = []
    for asset in ASSETS:
        for folder in [*user_dirs, builtin_template_dir()]:
            path = Path(folder) / "site" / "assets" / asset
            if path.is_file():
                out.append(Artifact(f"assets/{asset}", path.read_bytes(), site.audience))
                break
        else:
            raise RcaError(f"site asset {asset!r} not found")
    return out


def index_page(site: Site, cards: Sequence[dict[str, Any]], dirs: Sequence[Path]) -> Artifact:
    """Every case, sortable and filterable."""
    cards = sorted(cards, key=lambda c: (c["detected"] or "", c["case_id"]), reverse=True)
    options = {
        "process": _options(c for card in cards for c in card["process_types"]),
        "severity": _options(card["severity"] for card in cards),
        "status": _options(card["status"] for card in cards),
        "category": _options(c for card in cards for c in card["root_categories"]),
    }
    return render_page("index.html", "index.html.j2", site, dirs, cards=cards, options=options)


def actions_page(site: Site, cards: Sequence[dict[str, Any]], dirs: Sequence[Path]) -> Artifact:
    """Every corrective action across cases: owner, due date, status, verification."""
    rows = [
        {**action, "case_id": card["case_id"], "case_title": card["title"]}
        for card in cards
        for action in card["actions"]
    ]
    rows.sort(key=lambda a: (a["owner"] or "~", a["due"] or "9999", a["case_id"], a["id"]))
    options = {
        "owner": sorted({a["owner"] for a in rows if a["owner"]}),
        "status": _options(a["status"] for a in rows),
    }
    summary = {
        "total": len(rows),
        "open": sum(1 for a in rows if a["open"]),
        "overdue": sum(1 for a in rows if a["overdue"]),
        "unverified": sum(1 for a in rows if a["status"] == "done"),
    }
    return render_page(
        "actions.html", "actions.html.j2", site, dirs, rows=rows, options=options, summary=summary
    )


def case_page(
    site: Site,
    card: dict[str, Any],
    files: Sequence[str],
    similar: Sequence[dict[str, Any]],
    known: Mapping[str, str],
    named_by: Mapping[str, Sequence[str]],
    dirs: Sequence[Path],
) -> Artifact:
    """One case: facts, the brief and its files, review history, related and similar cases."""
    present = set(files)
    outputs = [
        (label, f"{site.audience}.{ext}")
        for ext, label in (
            ("html", "Brief (HTML)"),
            ("pdf", "Brief (PDF)"),
            ("pptx", "Deck (PPTX)"),
        )
        if f"{site.audience}.{ext}" in present
    ]
    diagrams = [
        {**d, "file": f"diagrams/{site.audience}-{d['name']}.svg"}
        for d in card["diagrams"]
        if f"diagrams/{site.audience}-{d['name']}.svg" in present
    ]
    related = [{"case_id": c, "title": known.get(c), "named_here": True} for c in card["related"]]
    related += [
        {"case_id": c, "title": known.get(c), "named_here": False}
        for c in sorted(named_by.get(card["case_id"], ()))
        if c not in card["related"]
    ]
    return render_page(
        case_url(card["case_id"]),
        "case.html.j2",
        site,
        dirs,
        card=card,
        outputs=outputs,
        brief=f"{site.audience}.html" if f"{site.audience}.html" in present else None,
        diagrams=diagrams,
        related=related,
        similar=similar,
    )


def trends_page(site: Site, files: Sequence[str], dirs: Sequence[Path]) -> Artifact:
    """The trends brief, its charts and its tables."""
    charts = sorted(f for f in files if f.startswith("charts/") and f.endswith(".svg"))
    tables = sorted(f for f in files if f.startswith("tables/") and f.endswith(".csv"))
    return render_page(
        "trends/index.html",
        "trends.html.j2",
        site,
        dirs,
        charts=[{"file": f, "name": _chart_title(Path(f).stem)} for f in charts],
        tables=[
            {"file": f, "json": f[: -len(".csv")] + ".json", "name": _title(Path(f).stem)}
            for f in tables
        ],
        brief="trends.html" if "trends.html" in files else None,
    )


def search_page(site: Site, dirs: Sequence[Path]) -> Artifact:
    """Full-text search over the case pages (Pagefind; needs the site served over http)."""
    return render_page("search.html", "search.html.j2", site, dirs)


def _options(values: Any) -> list[str]:
    return sorted(set(values))


_CHART_KINDS = {"pchart": "Control chart (p-chart)", "pareto": "Pareto chart"}


def _chart_title(stem: str) -> str:
    """A chart's file name in words: "pchart-legal_scope_correct" is "Control chart
    (p-chart): legal scope correct"."""
    kind, _, rest = stem.partition("-")
    if kind in _CHART_KINDS and rest:
        return f"{_CHART_KINDS[kind]}: {rest.replace('_', ' ').replace('-', ' ')}"
    return _title(stem)


def _title(stem: str) -> str:
    text = stem.replace("-", " ").replace("_", " ")
    return text[:1].upper() + text[1:]
