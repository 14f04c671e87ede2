"""The HTML brief: sections from the profile, escaping, sanitised diagrams, golden files."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rca.audience import load_profiles
from rca.errors import RcaError
from rca.render.brief import gist
from rca.render.html import HtmlRenderer, brief_environment, brief_html, sanitise_svg
from rca.render.registry import Diagram, RenderInput
from rca.templating import builtin_template_dir

BriefInput = Callable[..., RenderInput]


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of every <style> element."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)

    def names(self) -> set[str]:
        return {tag for tag, _ in self.tags}


def html_of(data: RenderInput) -> str:
    return HtmlRenderer().render(data).decode("utf-8")


def section_ids(html: str) -> list[str]:
    return re.findall(r'<section class="section [^"]*" id="sec-([a-z_]+)"', html)


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_sections_are_the_profiles_list_in_order(brief_input: BriefInput, audience: str) -> None:
    html = html_of(brief_input("brief_small", audience))
    assert section_ids(html) == load_profiles()[audience].brief.sections


def test_every_profile_has_its_brief_template_and_section_partials() -> None:
    env = brief_environment()
    for profile in load_profiles().values():
        env.get_template(profile.brief.template)
        for section in profile.brief.sections:
            env.get_template(f"briefs/sections/{section}.html.j2")


def test_templates_never_branch_on_the_audience() -> None:
    for path in (builtin_template_dir() / "briefs").rglob("*.j2"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"audience\.id\s*(==|!=|in)", text), path


def test_sections_follow_a_changed_profile(brief_input: BriefInput) -> None:
    data = brief_input("brief_small", "leadership")
    context = copy.deepcopy(data.context)
    context["audience"]["brief"]["sections"] = ["decisions", "bottom_line"]
    html = html_of(RenderInput(context, data.diagrams))
    assert section_ids(html) == ["decisions", "bottom_line"]


def test_specialist_brief_has_contents_diagrams_and_answer_key_last(
    brief_input: BriefInput,
) -> None:
    html = html_of(brief_input("brief_small", "specialist"))
    assert 'class="contents"' in html
    # The fishbone and the causal graph; ladders and the timeline are sections in words.
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 2
    assert section_ids(html)[-1] == "answer_key"
    key = html[html.index('id="sec-answer_key"') :]
    assert "Confirm the zone with the requester" in key
    assert "The lookup tool assumes UTC" in key
    check = html[html.index('id="sec-knowledge_check"') : html.index('id="sec-answer_key"')]
    assert "The lookup tool assumes UTC" not in check  # explanations only in the key


def test_timeline_shows_deviation_with_what_was_expected(brief_input: BriefInput) -> None:
    html = html_of(brief_input("brief_small", "specialist"))
    row = re.search(r'<tr class="deviation milestone">.*?</tr>', html, re.DOTALL)
    assert row is not None
    assert "Expected:" in row.group()
    assert "converted from the requester&#39;s zone" in row.group()


def test_leadership_timeline_is_the_milestone_strip(brief_input: BriefInput) -> None:
    html = html_of(brief_input("brief_small", "leadership"))
    assert html.count('<td class="stop stop-') == 5
    assert 'class="grid events"' not in html
    assert "1 deviation</span> Account identification (T+20m)." in html


def test_leadership_brief_redacts_identifiers_to_categories(brief_input: BriefInput) -> None:
    html = html_of(brief_input("brief_small", "leadership"))
    assert "5550001111" not in html and "192.0.2.44" not in html
    assert "the account" in html and "[account]" not in html


# --------------------------------------------------------------------------- derived content


def test_gist_keeps_whole_sentences() -> None:
    assert gist("Containment. Intake from the mailbox is blocked. More.", 20) == (
        "Containment. Intake from the mailbox is blocked."
    )
    assert gist("Under 18 U.S.C. 2703(d) it was wrong. Then more.", 10) == (
        "Under 18 U.S.C. 2703(d) it was wrong."
    )


# --------------------------------------------------------------------------- escaping


def test_record_markup_is_escaped_and_never_becomes_an_element(brief_input: BriefInput) -> None:
    for audience in ("leadership", "specialist"):
        html = html_of(brief_input("hostile_text", audience))
        tags = Tags(html)
        assert not tags.names() & {"script", "img", "object", "link", "a", "iframe"} - (
            {"a"} if audience == "specialist" else set()
        )
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        for tag, attrs in tags.tags:
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
            assert "src" not in attrs and "style" not in attrs and "data" not in attrs, (tag, attrs)
            href = attrs.get("href")
            assert href is None or re.fullmatch(r"#sec-[a-z_]+", href), (tag, attrs)
        # The only CSS is the bundled stylesheet: record text never reaches it.
        css = (builtin_template_dir() / "briefs" / "style.css").read_text(encoding="utf-8")
        assert [s.strip() for s in tags.styles] == [css.strip()]


def test_escaped_text_reads_as_written(brief_input: BriefInput) -> None:
    html = html_of(brief_input("hostile_text", "specialist"))
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "&lt;/style&gt;&lt;style&gt;body{background:url(file:///etc/passwd)}" in html
    assert (
        "<title>TST-0301: &lt;script&gt;alert(1)&lt;/script&gt; Wrong account &amp; a &#34;quoted&#34; title</title>"
        in html
    )


def test_record_text_is_never_rendered_as_a_template(brief_input: BriefInput) -> None:
    html = html_of(brief_input("hostile_text", "specialist"))
    assert "{{ 7 * 7 }} {% include &#39;briefs/base.html.j2&#39; %} {# comment #}" in html
    assert "49" not in re.sub(r"<style>.*?</style>", "", html, flags=re.DOTALL)


def test_environment_autoescapes_and_is_strict() -> None:
    env = brief_environment()
    assert env.autoescape is True
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ nothing_here }}").render()


# --------------------------------------------------------------------------- overrides


def test_a_user_template_can_extend_the_default(brief_input: BriefInput, tmp_path: Path) -> None:
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "leadership.html.j2").write_text(
        '{% extends "default:briefs/leadership.html.j2" %}'
        '{% block before_sections %}<p class="house-banner">House style</p>{% endblock %}',
        encoding="utf-8",
    )
    html = html_of(brief_input("brief_small", "leadership", template_dirs=(tmp_path,)))
    assert '<p class="house-banner">House style</p>' in html
    assert section_ids(html) == load_profiles()["leadership"].brief.sections


def test_a_missing_variable_in_an_override_fails_loudly(
    brief_input: BriefInput, tmp_path: Path
) -> None:
    (tmp_path / "briefs" / "sections").mkdir(parents=True)
    (tmp_path / "briefs" / "sections" / "decisions.html.j2").write_text("{{ case.no_such_field }}")
    with pytest.raises(RcaError, match="no_such_field"):
        brief_html(brief_input("brief_small", "leadership", template_dirs=(tmp_path,)))


def test_an_unknown_section_names_the_missing_template(brief_input: BriefInput) -> None:
    data = brief_input("brief_small", "leadership")
    context = copy.deepcopy(data.context)
    context["audience"]["brief"]["sections"] = ["bottom_line", "horoscope"]
    with pytest.raises(RcaError, match=r"briefs/sections/horoscope\.html\.j2"):
        brief_html(RenderInput(context, data.diagrams))


# --------------------------------------------------------------------------- diagrams

HOSTILE_SVG = """<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="200pt" height="100pt" viewBox="0 0 200 100" onload="alert(1)">
<script>alert(2)</script>
<style>@import url(http://evil.example/x.css);</style>
<g id="graph0" class="graph">
<title>G</title>
<a xlink:href="http://evil.example/" href="javascript:alert(3)" target="_top">
  <text x="10" y="20" onclick="alert(4)" font-family="Liberation Sans">C1 &amp; &lt;b&gt;</text>
</a>
<image xlink:href="file:///etc/passwd" width="10" height="10"/>
<use href="#graph0"/>
<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
<rect x="1" y="1" width="5" height="5" fill="url(#grad)" stroke="url(http://evil.example/s)"
      style="fill: url(http://evil.example/f)"/>
<polygon points="0,0 1,1" fill="#fff"/>
<animate attributeName="href" to="javascript:alert(5)"/>
</g>
</svg>"""


def test_svg_is_sanitised() -> None:
    svg = str(sanitise_svg(HOSTILE_SVG, title="Causal graph", alt="Causes & effects"))
    tags = Tags(svg)
    assert tags.names() <= {"svg", "title", "desc", "g", "text", "rect", "polygon"}
    for _, attrs in tags.tags:
        assert not any(n.startswith("on") or n.endswith("href") or n == "style" for n in attrs)
        values = [v or "" for n, v in attrs.items() if n != "xmlns"]
        assert all("http" not in v and "javascript" not in v for v in values)
    assert 'fill="url(#svg-grad)"' in svg  # local references stay, scoped like the ids
    assert '<g id="svg-graph0">' in svg  # no class: page CSS must not reach into a diagram
    assert "alert" not in svg and "@import" not in svg and "passwd" not in svg
    assert "C1 &amp; &lt;b&gt;" in svg  # link unwrapped, its text kept, escaped


def test_svg_is_labelled_for_assistive_technology() -> None:
    svg = str(sanitise_svg(HOSTILE_SVG, title='A "graph"', alt="Causes & effects"))
    assert svg.startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Causes &amp; effects" '
        'width="200pt" height="100pt" viewBox="0 0 200 100">'
        '<title>A "graph"</title><desc>Causes &amp; effects</desc>'
    )


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (
            '<!DOCTYPE x [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "entities",
        ),
        ("<svg", "not well-formed"),
        ('<html xmlns="http://www.w3.org/1999/xhtml"/>', "expected <svg>"),
    ],
)
def test_unsafe_or_broken_svg_is_refused(svg: str, message: str) -> None:
    with pytest.raises(RcaError, match=message):
        sanitise_svg(svg, title="t", alt="a")


def test_wide_diagrams_are_printed_landscape(brief_input: BriefInput) -> None:
    html = html_of(brief_input("brief_small", "specialist"))
    assert re.findall(r'<div class="diagram-block (\w+)">', html) == ["landscape", "portrait"]


def test_no_diagrams_says_so(brief_input: BriefInput) -> None:
    html = html_of(brief_input("brief_small", "specialist", diagrams={}))
    assert "No diagrams were produced for this case." in html


def test_a_diagram_without_a_size_still_renders(brief_input: BriefInput) -> None:
    bare = Diagram(
        "fishbone",
        "Fishbone",
        "Causes.",
        "",
        '<svg xmlns="http://www.w3.org/2000/svg"/>',
        b"",
        0,
        0,
    )
    html = html_of(brief_input("brief_small", "specialist", diagrams={"fishbone": bare}))
    assert '<div class="diagram-block portrait">' in html


# --------------------------------------------------------------------------- golden


@pytest.mark.parametrize("audience", ["leadership", "specialist"])
def test_golden_brief(
    brief_input: BriefInput, golden: Callable[[str, str], None], audience: str
) -> None:
    # The inlined stylesheet is templates/briefs/style.css verbatim: the golden
    # file keeps a marker instead, so it shows the brief's content and markup.
    html = html_of(brief_input("brief_small", audience))
    css = (Path(__file__).parents[2] / "templates" / "briefs" / "style.css").read_text()
    assert css.strip() in html
    golden(f"briefs/brief_small-{audience}.html", html.replace(css.strip(), "/* style.css */"))


def test_a_record_with_thousands_of_identifiers_lists_60_and_counts_the_rest(
    brief_input: BriefInput, tmp_path: Path
) -> None:
    import yaml

    data = yaml.safe_load(
        (Path(__file__).parent.parent / "data/render/brief_small.yaml").read_text()
    )
    declared = len(data["identifiers"])
    data["identifiers"] += [
        {"id": f"X{n}", "kind": "device_id" if n % 2 else "email", "value": value}
        for n, value in (
            (n, f"DEV-{n:05d}-T" if n % 2 else f"p{n}@mail.example") for n in range(80)
        )
    ]
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    html = html_of(brief_input(path, "specialist"))
    names = html[html.index('<dl class="pairs compact names">') :]
    names = names[: names.index("</dl>")]
    assert names.count("<dt>") == 60
    note = re.search(r"And ([\d,]+) more, by kind:(.*?)</p>", html, re.S)
    assert note is not None
    assert int(note.group(1)) == declared + 80 - 60
    counts = " ".join(note.group(2).split())
    hidden = data["identifiers"][60:]
    # Counted in words a reader expects: plurals, acronyms in capitals.
    assert f"{sum(1 for i in hidden if i['kind'] == 'device_id')} device IDs;" in counts
    assert counts.endswith(f"{sum(1 for i in hidden if i['kind'] == 'email')} emails.")
