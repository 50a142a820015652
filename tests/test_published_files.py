"""Published files are inert: SVGs are parsed, not pattern-matched, and a plan's theme
folders publish style sheets, fonts and images only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planbuilder.build import build, check
from planbuilder.load import load
from planbuilder.safety import THEME_FILE_TYPES, allowed_type, svg_findings
from planbuilder.themes import resolve_theme
from tests.conftest import SAMPLE, TODAY

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
FONT = Path(resolve_theme("default").folder, "fonts", "DejaVuSans.ttf")

#: Each trick as (file text or bytes, the line(s) each refusal points at, words of the first).
TRICKS = {
    "svg-namespace-script": (
        f'<s:svg xmlns:s="{SVG}">\n  <s:script>window.__xss=1</s:script>\n</s:svg>\n',
        2,
        "element `<script>`",
    ),
    "xhtml-namespace-script": (
        f'<svg xmlns="{SVG}" xmlns:h="http://www.w3.org/1999/xhtml">\n'
        "  <h:script>window.__xss=1</h:script>\n</svg>\n",
        2,
        "element of the HTML namespace",
    ),
    "utf-16": (
        f'<svg xmlns="{SVG}"><script>window.__xss=1</script></svg>'.encode("utf-16"),
        0,
        "is saved as UTF-16, not UTF-8",
    ),
    "latin-1-declared": (
        f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<svg xmlns="{SVG}"/>'.encode("latin-1"),
        1,
        "declares the encoding `ISO-8859-1`",
    ),
    "onload": (
        f'<svg xmlns="{SVG}"\n     onload="window.__xss=1">\n</svg>\n',
        1,
        "attribute `onload` on `<svg>`",
    ),
    "javascript-link": (
        f'<svg xmlns="{SVG}" xmlns:xlink="{XLINK}">\n'
        '<a xlink:href="javascript:window.__xss=1"><text>go</text></a>\n</svg>\n',
        2,
        'links outside itself: `href="javascript:window.__xss=1"` on `<a>`',
    ),
    "entity-encoded-javascript-link": (
        f'<svg xmlns="{SVG}" xmlns:xlink="{XLINK}">\n\n'
        '<a xlink:href=" &#106;ava&#x09;script:window.__xss=1"><text>go</text></a>\n</svg>\n',
        3,
        "links outside itself",
    ),
    "foreign-object": (
        f'<svg xmlns="{SVG}">\n<foreignObject width="9" height="9">\n'
        '<div xmlns="http://www.w3.org/1999/xhtml">hi</div>\n</foreignObject>\n</svg>\n',
        (2, 3),  # the HTML inside it is refused too
        "element `<foreignObject>`",
    ),
    "external-image": (
        f'<svg xmlns="{SVG}">\n<image href="http://example.com/track.png" width="1"/>\n</svg>\n',
        2,
        'links outside itself: `href="http://example.com/track.png"` on `<image>`',
    ),
    "doctype-entity": (
        '<!DOCTYPE svg [\n  <!ENTITY x "&#60;script&#62;">\n]>\n'
        f'<svg xmlns="{SVG}"><text>&x;</text></svg>\n',
        1,
        "declares a DTD",
    ),
    "use-other-file": (
        f'<svg xmlns="{SVG}">\n<use href="other.svg#x"/>\n</svg>\n',
        2,
        'links outside itself: `href="other.svg#x"` on `<use>`',
    ),
    "animated-link": (
        f'<svg xmlns="{SVG}">\n<a href="#x"><set attributeName="href" to="javascript:x()"/>'
        "<text>go</text></a>\n</svg>\n",
        2,
        "`<set>` animates `href`",
    ),
    "xslt-stylesheet": (
        f'<?xml-stylesheet type="text/xsl" href="evil.xsl"?>\n<svg xmlns="{SVG}"/>\n',
        1,
        "processing instruction `<?xml-stylesheet?>`",
    ),
    "css-import": (
        f'<svg xmlns="{SVG}">\n<style>\n@\\69mport "http://example.com/x.css";</style>\n</svg>',
        2,
        "`@import` in a `<style>` element",
    ),
    "css-url-in-style-attribute": (
        f'<svg xmlns="{SVG}">\n<rect style="fill: u\\72l(http://example.com/x)"/>\n</svg>',
        2,
        "`url()` in the `style` of `<rect>`",
    ),
    "not-svg-namespace": (
        "<svg>\n<script>window.__xss=1</script>\n</svg>\n",
        1,
        'lacks xmlns="http://www.w3.org/2000/svg"',
    ),
}


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def _errors(problems, root: Path) -> list[tuple[str, int, str]]:
    return [
        (Path(p.position.file).relative_to(root).as_posix(), p.position.line, p.message)
        for p in problems
        if p.is_error
    ]


@pytest.mark.parametrize("name", TRICKS)
def test_each_svg_trick_is_refused_with_the_file_named(make_plan, name):
    content, line, reason = TRICKS[name]
    plan = make_plan()
    _write(plan / "assets" / f"{name}.svg", content)
    found = load(plan).problems
    lines = line if isinstance(line, tuple) else (line,)
    assert [(f, n) for f, n, _ in _errors(found, plan)] == [
        (f"assets/{name}.svg", n) for n in lines
    ]
    assert found[0].message.startswith(f"`assets/{name}.svg` ")
    assert reason in found[0].message
    assert found[0].hint == "export the drawing again as a plain SVG: shapes and text only"
    # check, which the CLI runs, stops on it.
    prepared = check(plan, today=TODAY)
    assert found[0] in prepared.problems
    assert not prepared.ok


def test_a_refused_svg_stops_the_build_and_nothing_is_written(make_plan, tmp_path):
    plan = make_plan()
    _write(plan / "assets" / "chart.svg", TRICKS["svg-namespace-script"][0])
    out = tmp_path / "out"
    result = build(plan, out, pdf=False, today=TODAY)
    assert {p.position.name for p in result.errors} == {"chart.svg"}
    assert not out.exists()


PLAIN_SVG = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<!-- made by hand -->
<svg xmlns="{SVG}" xmlns:xlink="{XLINK}" viewBox="0 0 100 60" role="img">
  <title>Sales by quarter &amp; region</title>
  <defs>
    <linearGradient id="fade" x1="0" x2="1">
      <stop offset="0" stop-color="#14324f"/><stop offset="1" stop-color="#b9d3ea"/>
    </linearGradient>
    <clipPath id="box"><rect width="100" height="60"/></clipPath>
    <circle id="dot" r="3"/>
    <style><![CDATA[ .label {{ font: 6px sans-serif; fill: url(#fade) }} ]]></style>
  </defs>
  <g clip-path="url(#box)">
    <rect width="100" height="60" fill="url( '#fade' )" style="stroke: url(#fade)"/>
    <use href="#dot" x="10" y="10"/>
    <use xlink:href="#dot" x="20" y="10"/>
    <a href="#dot"><text class="label" x="5" y="50">Q1 – Q4 · 1 &lt; 2</text></a>
    <image width="1" height="1"
      href="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="/>
    <animate attributeName="opacity" from="0" to="1" dur="1s"/>
  </g>
</svg>
"""


def test_a_plain_svg_with_gradients_text_and_fragment_references_is_published(make_plan, tmp_path):
    plan = make_plan()
    _write(plan / "assets" / "chart.svg", PLAIN_SVG)
    for svg in (SAMPLE / "assets").glob("*.svg"):
        shutil.copy(svg, plan / "assets" / svg.name)
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    assert result.errors == []
    published = result.site_dir / "assets"
    assert sorted(p.name for p in published.iterdir()) == [
        "chart.svg",
        "logo.svg",
        "roastery-plan.svg",
    ]
    assert (published / "chart.svg").read_text(encoding="utf-8") == PLAIN_SVG


def test_an_svg_reports_each_active_part_with_its_line(make_plan):
    plan = make_plan()
    _write(
        plan / "assets" / "busy.svg",
        f'<svg xmlns="{SVG}">\n<script/>\n<rect onclick="x()"/>\n<iframe/>\n</svg>\n',
    )
    found = _errors(load(plan).problems, plan)
    assert found == [
        ("assets/busy.svg", 2, "`assets/busy.svg` contains script or event handlers: "
         "element `<script>`"),
        ("assets/busy.svg", 3, "`assets/busy.svg` contains script or event handlers: "
         "attribute `onclick` on `<rect>`"),
        ("assets/busy.svg", 4, "`assets/busy.svg` contains script or event handlers: "
         "element `<iframe>`"),
    ]  # fmt: skip


def test_assets_that_could_carry_script_are_refused_by_load(make_plan):
    plan = make_plan(
        {
            "assets/chart.svg": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "assets/page.html": "<script>alert(1)</script>",
            "assets/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>',
        }
    )
    assert sorted(p.message for p in load(plan).problems) == [
        "`assets/chart.svg` contains script or event handlers: attribute `onload` on `<svg>`",
        "`assets/page.html` is not an image or document type planbuilder publishes",
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("theme/static/evil.js", "window.__xss = 1"),
        ("theme/static/x.html", "<script>window.__xss = 1</script>"),
        ("theme/print/notes.txt", "plain words"),
        ("theme/static/.hidden/evil.js", "window.__xss = 1"),
    ],
)
def test_a_theme_file_that_is_not_a_style_sheet_font_or_image_is_refused(
    make_plan, tmp_path, name, content
):
    plan = make_plan({name: content})
    out = tmp_path / "out"
    result = build(plan, out, pdf=False, today=TODAY)
    assert _errors(result.problems, plan) == [
        (name, 0, f"`{name}` is not a style sheet, font or image planbuilder publishes")
    ]
    assert ".css" in result.errors[0].hint and ".woff2" in result.errors[0].hint
    assert not out.exists()


def test_a_scripted_svg_in_the_theme_is_refused(make_plan):
    plan = make_plan({"theme/static/x.svg": TRICKS["onload"][0]})
    assert _errors(check(plan, today=TODAY).problems, plan) == [
        (
            "theme/static/x.svg",
            1,
            "`theme/static/x.svg` contains script or event handlers: attribute `onload` on `<svg>`",
        )
    ]


def test_a_theme_file_linked_from_outside_the_plan_is_refused(make_plan, tmp_path):
    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }")
    plan = make_plan()
    (plan / "theme" / "static").mkdir(parents=True)
    (plan / "theme" / "static" / "site.css").symlink_to(outside)
    errors = _errors(check(plan, today=TODAY).problems, plan)
    assert errors == [("theme/static/site.css", 0, "file points outside the plan folder")]


def test_theme_style_sheets_fonts_and_images_are_accepted_and_published(make_plan, tmp_path):
    plan = make_plan(
        {
            "theme/static/extra.css": ".brand { color: #14324f }\n",
            "theme/static/badge.svg": PLAIN_SVG,
            "theme/print/print.css": "@page { margin: 20mm }\nh1 { color: #14324f }\n",
        }
    )
    (plan / "theme" / "static" / "fonts").mkdir()
    shutil.copy(FONT, plan / "theme" / "static" / "fonts" / "Brand.ttf")
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    assert result.errors == []
    static = result.site_dir / "static"
    assert (static / "extra.css").read_text() == ".brand { color: #14324f }\n"
    assert (static / "fonts" / "Brand.ttf").read_bytes() == FONT.read_bytes()
    assert (static / "badge.svg").read_text() == PLAIN_SVG
    assert (static / "site.css").is_file()  # the bundled theme's files are still there


def test_the_bundled_themes_static_and_print_files_pass_the_same_checks():
    theme = resolve_theme("default")
    files = {**theme.files("static"), **theme.files("print")}
    assert files, "the default theme has static and print files"
    # The bundled theme is ours and may carry its search script; a plan's theme may not.
    refused = {relative for relative in files if not allowed_type(relative, THEME_FILE_TYPES)}
    assert refused == {"search.js"}
    for relative, path in files.items():
        if path.suffix == ".svg":
            assert svg_findings(path.read_bytes()) == [], relative
