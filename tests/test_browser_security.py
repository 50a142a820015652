"""A plan full of script payloads runs none of them in a real browser.

Every free-text value of the sample plan gets a payload that, if it ever ran, would
set ``window.__xss`` or open a dialog; so do a chapter's Markdown and its file name.
Each page of the built site is then opened from disk in Chromium and watched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from planbuilder.build import build
from planbuilder.diagnostics import problem_text
from tests.conftest import SAMPLE, TODAY
from tests.test_published_files import PLAIN_SVG, TRICKS

pytestmark = pytest.mark.browser

PAYLOADS = (
    "<script>window.__xss='script'</script>",
    "<img src=x onerror=\"window.__xss='img'\">",
    "\"><svg onload=window.__xss='attr'>",
    "'><script>alert('quote')</script>",
    "</script><script>window.__xss='close'</script>",
    "{{ 7 * 7 }} {% set x = 1 %}",
    "javascript:window.__xss='scheme'",
    "</title></style></textarea><script>alert('escape')</script>",
)

#: Free-text fields of the format: every string under these keys gets a payload.
TEXT_KEYS = {
    "title",
    "subtitle",
    "company",
    "author",
    "mission",
    "vision",
    "name",
    "role",
    "bio",
    "notes",
    "description",
    "specific",
    "relevant",
    "achievable",
    "reason",
    "prepared_for",
    "customers",
    "value",
    "delivery",
    "collateral",
    "lender",
    "investor",
}

CHAPTER = """\
---
title: "Quotes ' \\" </script><script>window.__xss='front'</script> {{ 7 * 7 }}"
---
Raw <script>window.__xss='raw'</script> and <img src=x onerror="window.__xss='raw-img'">.

[scheme](javascript:window.__xss='link') [upper](JaVaScRiPt:alert('link2'))
[data](data:text/html,<script>alert('data')</script>) [spaced](java%09script:alert(1))

Autolinks: <javascript:alert('autolink')> and <http://example.com/"onmouseover="alert(1)>.

[titled](https://example.com "a \\" onmouseover=\\"window.__xss='title'")

![<img src=x onerror=alert('alt')> "alt](../assets/logo.svg "t\\" onerror=\\"alert('imgtitle')")

`<script>alert('code')</script>` and {{ 7 * 7 }} {% raw %}{{ x }}{% endraw %}

```html
<script>window.__xss='fence'</script>
```

| <b onmouseover=alert(1)>head</b> | b |
|---|---|
| <script>alert('cell')</script> | </td><script>alert('cell2')</script> |

## Heading <script>alert('heading')</script> " onclick="alert(1)

&lt;script&gt;alert('entity')&lt;/script&gt; &#60;script&#62;
"""

#: A chapter whose file name carries quotes and markup.
CHAPTER_FILE = "sections/09-\"quoted' <svg onload=alert(1)>.md"


def _poison(value, key=None, counter=None):
    """Append a payload to every free-text string in ``value``, recursively."""
    if isinstance(value, dict):
        return {k: _poison(v, k, counter) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, key, counter) for v in value]
    if isinstance(value, str) and key in TEXT_KEYS:
        counter[0] += 1
        return f"{value} {PAYLOADS[counter[0] % len(PAYLOADS)]}"
    return value


def _canvas(value, counter):
    """The business model canvas holds lists of plain strings."""
    return {
        k: [f"{v} {PAYLOADS[i % len(PAYLOADS)]}" for i, v in enumerate(vs)]
        for k, vs in value.items()
    }


def xss_plan(root: Path) -> Path:
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("_build"))
    counter = [0]
    for path in sorted(root.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        before = data
        data = _poison(data, None, counter)
        if path.name == "financials.yaml":  # scenarios delay streams by their (new) names
            renamed = {
                old["name"]: new["name"]
                for old, new in zip(before["revenue"], data["revenue"], strict=True)
            }
            for scenario in data.get("scenarios", {}).values():
                if "delay" in scenario:
                    scenario["delay"] = [renamed.get(n, n) for n in scenario["delay"]]
        if path.name == "business-model.yaml":
            data["canvas"] = _canvas(data["canvas"], counter)
        if path.name == "plan.yaml":
            data["keywords"] = [PAYLOADS[0], PAYLOADS[4]]
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    (root / CHAPTER_FILE).write_text(CHAPTER, encoding="utf-8")
    (root / "assets" / "chart.svg").write_text(PLAIN_SVG, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory) -> Path:
    root = xss_plan(tmp_path_factory.mktemp("xss") / "plan")
    result = build(root, root.parent / "out", pdf=False, today=TODAY)
    assert result.errors == [], "\n".join(problem_text(p) for p in result.errors)
    return result.site_dir


class Watch:
    """Everything a page did that only script could do, or that went wrong."""

    def __init__(self, page):
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self.dialog)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )

    def dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()


# Markup that a payload would leave in the DOM if it were not escaped: script
# elements, event attributes (which hover or focus would fire), script URLs and frames.
# The only scripts allowed are the theme's own two files of the search page, by src.
ACTIVE_MARKUP = """() => {
  const found = [];
  const ours = /^(\\.\\.\\/)*(static\\/search\\.js|search-index\\.js)$/;
  for (const el of document.querySelectorAll('*')) {
    const tag = el.localName;
    const theme_script = tag === 'script' && ours.test(el.getAttribute('src') || '')
      && el.textContent.trim() === '';
    if (['script', 'iframe', 'object', 'embed', 'foreignobject'].includes(tag.toLowerCase())
        && !theme_script)
      found.push(tag);
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith('on')) found.push(tag + '[' + a.name + ']');
      const script = /^\\s*((java|vb)script:|data:(?!image\\/(png|jpeg|gif|webp)[;,]))/i;
      if (script.test(a.value) && /href|src|action/i.test(a.name))
        found.push(tag + '[' + a.name + '=' + a.value + ']');
    }
  }
  return found;
}"""


def test_every_page_of_a_plan_full_of_payloads_runs_no_script(page, xss_site):
    watch = Watch(page)
    pages = sorted(xss_site.rglob("*.html"))
    assert len(pages) >= 14  # dashboard, nine chapters and the tracking pages
    chapter = next(p for p in pages if p.parent.name == "sections" and "quoted" in p.name)
    for path in pages:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss") is None, path
        assert page.evaluate(ACTIVE_MARKUP) == [], path
    assert watch.dialogs == []
    assert watch.errors == []
    # The payloads were published as text, not dropped: the reader sees them.
    page.goto(chapter.as_uri())
    text = page.locator("body").inner_text()
    assert "<script>window.__xss='raw'</script>" in text
    assert "{{ 7 * 7 }}" in text
    assert "</script><script>window.__xss='front'</script>" in page.locator("h1").inner_text()
    page.goto((xss_site / "team.html").as_uri())
    assert "<img src=x onerror=" in page.locator("body").inner_text()


def test_accepted_svgs_opened_directly_run_no_script(page, xss_site):
    watch = Watch(page)
    svgs = sorted((xss_site / "assets").glob("*.svg"))
    assert [p.name for p in svgs] == ["chart.svg", "logo.svg", "roastery-plan.svg"]
    for path in svgs:
        page.goto(path.as_uri())
        assert page.evaluate("document.documentElement.localName") == "svg"
        assert page.evaluate("window.__xss") is None
        assert page.evaluate(ACTIVE_MARKUP) == [], path
    assert watch.dialogs == [] and watch.errors == []


@pytest.mark.parametrize(
    "name", ["svg-namespace-script", "xhtml-namespace-script", "utf-16", "onload"]
)
def test_the_refused_svg_tricks_do_run_script_in_the_browser(page, tmp_path, name):
    """The probe works: each trick that planbuilder refuses really runs in Chromium."""
    content = TRICKS[name][0]
    path = tmp_path / f"{name}.svg"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    page.goto(path.as_uri())
    assert page.evaluate("window.__xss") == 1
