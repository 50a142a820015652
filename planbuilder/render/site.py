"""Render the browsable HTML site: a dashboard plus one page per part of the plan.

All links are relative, so the site works when opened straight from disk.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from markupsafe import Markup, escape

from planbuilder.compute import MilestoneView, Report
from planbuilder.keep import KeptByIdentity
from planbuilder.output import OutputFiles
from planbuilder.problems import Problem
from planbuilder.render.charts import Charts
from planbuilder.render.environment import fragments_of, make_environment
from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import labels_for
from planbuilder.render.markdown import Target, heading_id
from planbuilder.render.sections import prose_context, render_sections
from planbuilder.render.templates import TemplateProblem, render_template
from planbuilder.tables import to_csv
from planbuilder.themes import Theme


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    path: str  # output path, e.g. "sections/market.html"
    template: str
    group: str  # "home", "plan" (narrative) or "tracking" (structured parts)

    @property
    def root(self) -> str:
        """Relative prefix from this page back to the site root."""
        return _root_of(self.path)


@functools.lru_cache(maxsize=4096)
def _root_of(path: str) -> str:
    # Asked several times for each page: a path parsed once.
    return "../" * (len(PurePosixPath(path).parts) - 1)


def site_pages(report: Report, changes: object | None = None) -> list[Page]:
    """Every page the site has, in navigation order; parts appear only when they exist,
    and the "what changed" page only for ``build --changes-since``."""
    plan = report.plan
    labels = labels_for(plan.meta.locale)
    pages = [Page("index", str(labels["dashboard"]), "index.html", "index.html", "home")]
    pages += [
        Page(f"section:{s.slug}", s.title, f"sections/{s.slug}.html", "section.html", "plan")
        for s in plan.sections
    ]
    parts = [
        ("business-model", "business_model", plan.business_model is not None),
        ("goals", "goals", bool(plan.goals)),
        ("milestones", "milestones", bool(plan.milestones)),
        ("kpis", "kpis_short", bool(plan.kpis)),
        ("team", "team", bool(plan.team)),
        ("financials", "financials", report.financials is not None),
    ]
    pages += [
        Page(name, str(labels[label]), f"{name}.html", f"{name}.html", "tracking")
        for name, label, present in parts
        if present
    ]
    if changes is not None:
        pages.append(
            Page("changes", str(labels["what_changed"]), "changes.html", "changes.html", "tracking")
        )
    return pages


#: What each page made from YAML shows, as values of the report, for the bundled theme's
#: templates (and the charts they draw). After a YAML edit that leaves the plan's metadata,
#: ``as_of``, the chapters' titles and the list of pages as they were (those are in every
#: page), a page listed here is rendered again only when its values differ; the pages not
#: listed (the dashboard, which shows a little of everything) always are.
#: tests/test_incremental_pages.py checks, part by part, that an incremental build gives
#: the same bytes as a full one.
PAGE_READS: dict[str, Callable[[Report], tuple]] = {
    "business-model": lambda r: (r.plan.business_model,),
    "goals": lambda r: (r.goals,),
    "milestones": lambda r: (
        r.milestones,
        r.milestone_totals,
        r.budget_total,
        r.budget_by_owner,
        r.budget_by_goal,
        r.goals,
        r.plan.goals,
        r.plan.team,
    ),
    "kpis": lambda r: (r.kpis,),
    "team": lambda r: (r.plan.team,),
    "financials": lambda r: (r.financials,),
    "search": lambda r: (r.plan.goals, r.milestones, r.plan.kpis),
}

#: Prose that quotes the plan: a figure (``{=name}``) or a reference (``{>target}``).
_QUOTES = re.compile(r"\{[=>]")


def stale_pages(before: Report, after: Report, theme: Theme) -> tuple[set[str], set[str]]:
    """After a YAML edit (metadata, ``as_of``, chapter titles and pages unchanged): the ids
    of the pages other than chapters to render again, and the slugs of the chapters
    whose prose quotes a figure or names a target that may have changed.

    A plan that overrides templates may show anything on any page: then every page other
    than the chapters is rendered again.
    """
    overridden = theme.override is not None and (theme.override / "templates").is_dir()
    pages = set()
    for page in site_pages(after):
        if page.group == "plan":
            continue
        reads = None if overridden else PAGE_READS.get(page.id)
        if reads is None or reads(before) != reads(after):
            pages.add(page.id)
    pages.add("search")  # the search page is not in the list of pages
    if not overridden and PAGE_READS["search"](before) == PAGE_READS["search"](after):
        pages.discard("search")
    chapters = set()
    if _quotable(before) != _quotable(after):
        chapters = {s.slug for s in after.plan.sections if _QUOTES.search(s.body)}
    return pages, chapters


def _quotable(report: Report) -> tuple:
    """What prose resolves ``{=name}`` and ``{>target}`` against: figures by name (their
    order follows the milestones', which a title edit may change), targets, formatter."""
    prose = prose_context(report)
    return {f.name: f for f in prose.figures}, prose.targets, prose.fmt


#: Parts of the plan the site shows on another part's page.
_PART_PAGES = {
    "use-of-funds": "financials",
    "loan-request": "financials",
    "repayment": "financials",
    "cash-flow": "financials",
    "dscr": "financials",
    "collateral": "financials",
    "review": "index",
}


def part_url(pages: list[Page], part: str, anchor: str, prefix: str) -> str | None:
    """The site URL of a structured part (``milestones``), or ``None`` when it has none."""
    by_id = {p.id: p for p in pages}
    page = by_id.get(_PART_PAGES.get(part, part))
    if page is None:
        return None
    return prefix + page.path + (f"#{anchor}" if anchor else "")


@dataclass(frozen=True)
class NavGroup:
    heading: str | None
    pages: tuple[Page, ...]


#: Up to this many chapters, every page's sidebar lists them all. Beyond, a page lists the
#: block of ``NAV_BLOCK`` chapters it is in (the dashboard still lists all), so that the
#: site's size grows with its pages rather than with their square, and the sidebar is
#: rendered once per block.
NAV_ALL_CHAPTERS = 60
NAV_BLOCK = 50


def navigation(
    pages: list[Page], labels: dict, window: tuple[int, int] | None = None
) -> tuple[NavGroup, ...]:
    """The sidebar: the dashboard, then the chapters, then the tracking pages.
    ``window`` (start, stop) keeps only those chapters."""
    headings = {"home": None, "plan": str(labels["plan"]), "tracking": str(labels["tracking"])}
    groups = [NavGroup(h, tuple(p for p in pages if p.group == g)) for g, h in headings.items()]
    if window is not None:
        groups[1] = NavGroup(groups[1].heading, groups[1].pages[window[0] : window[1]])
    return tuple(g for g in groups if g.pages)


#: The site's search index: a script that sets a global, so it loads from file:// too
#: (a page opened from disk may not fetch a JSON file).
SEARCH_INDEX = "search-index.js"
#: CSV downloads written with the site, each linked from the page showing the table.
CSV_FILES = {
    "milestones": "data/milestones.csv",
    "kpis": "data/kpis.csv",
    "projection": "data/projection.csv",
}
_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[#*_`>|]+")
_MARK_CHARACTERS = "#*_`>|"


@dataclass(frozen=True)
class SearchEntry:
    """One thing the search finds: a page, goal, milestone or KPI."""

    kind: str  # page | goal | milestone | kpi
    title: str
    url: str  # relative to the site root
    text: str  # the words it is found by, besides its title


def _plain(markdown: str) -> str:
    """Markdown as searchable words: link targets and markup characters dropped."""
    if "](" not in markdown:  # no link or image: only markup characters to drop
        # Each one made a space, as the runs of them _MARKUP makes one space: split()
        # joins the spaces either way, and str.replace is quicker than the pattern.
        for mark in _MARK_CHARACTERS:
            if mark in markdown:
                markdown = markdown.replace(mark, " ")
        return " ".join(markdown.split())
    return " ".join(_MARKUP.sub(lambda m: m.group(1) or " ", markdown).split())


#: Kept from the last site render, so that an unchanged entry is the same object as before
#: and what is kept by entry (the search page's items, ``FragmentCache``; the index's JSON,
#: ``_ENTRY_JSON``) is used again: chapter bodies as words (by exact text), milestone
#: entries (by the identity of the view, which ``compute`` keeps for an unchanged
#: milestone), and every entry (by equality). Each holds the last render's values only.
_LAST_WORDS: list[dict[str, str]] = [{}]
_LAST_MILESTONE_ENTRIES: KeptByIdentity[MilestoneView, SearchEntry] = KeptByIdentity()
_LAST_ENTRIES: list[dict[SearchEntry, SearchEntry]] = [{}]
_ENTRY_JSON: list[dict[int, tuple[SearchEntry, str]]] = [{}]


def search_entries(report: Report, pages: list[Page]) -> tuple[SearchEntry, ...]:
    """Every page, goal, milestone and KPI, in the order the site shows them."""
    plan = report.plan
    words, last_words = {}, _LAST_WORDS[0]
    for s in plan.sections:
        found = last_words.get(s.body)
        words[s.body] = _plain(s.body) if found is None else found
    _LAST_WORDS[0] = words
    bodies = {f"section:{s.slug}": words[s.body] for s in plan.sections}
    entries = [SearchEntry("page", p.title, p.path, bodies.get(p.id, "")) for p in pages]
    entries += [
        SearchEntry(
            "goal",
            g.title,
            f"goals.html#goal-{g.id}",
            " ".join(filter(None, (g.specific, g.relevant, g.achievable, g.notes))),
        )
        for g in plan.goals
    ]
    entries += _LAST_MILESTONE_ENTRIES.map(report.milestones, _milestone_entry)
    entries += [
        SearchEntry("kpi", k.name, f"kpis.html#kpi-{k.id}", k.description or "") for k in plan.kpis
    ]
    last = _LAST_ENTRIES[0]
    if last:  # (nothing kept in a new process)
        entries = [last.get(e, e) for e in entries]
    _LAST_ENTRIES[0] = {e: e for e in entries}
    return tuple(entries)


def _milestone_entry(v) -> SearchEntry:
    return SearchEntry(
        "milestone",
        v.milestone.title,
        f"milestones.html#milestone-{v.milestone.id}",
        " ".join(filter(None, (v.milestone.notes, v.owner.name if v.owner else v.milestone.owner))),
    )


#: A string as JSON, ASCII only: what ``json.dumps(..., ensure_ascii=True)`` writes for it.
_json_text = json.encoder.encode_basestring_ascii


def search_index_js(entries: tuple[SearchEntry, ...]) -> bytes:
    """The index as a script; ASCII-only JSON, so no text can close the script early."""
    kept, made = _ENTRY_JSON[0], {}
    for e in entries:
        found = kept.get(id(e))
        if found is None or found[0] is not e:
            # json.dumps({"k": kind, "t": title, "u": url, "x": text}, ensure_ascii=True,
            # separators=(",", ":")), each string quoted by the function json uses.
            text = (
                f'{{"k":{_json_text(e.kind)},"t":{_json_text(e.title)},'
                f'"u":{_json_text(e.url)},"x":{_json_text(e.text)}}}'
            )
            found = (e, text)
        made[id(e)] = found
    _ENTRY_JSON[0] = made
    # The same text as json.dumps of the whole list with these separators.
    body = "[" + ",".join(made[id(e)][1] for e in entries) + "]"
    body = body.replace("</", "<\\/")
    return f"window.planbuilderSearch = {body};\n".encode("ascii")


def csv_files(report: Report) -> dict[str, bytes]:
    """The milestone, KPI and projection tables as CSV (the same files as ``export``), by
    output path; a table whose part of the plan is missing is left out."""
    present = {
        "milestones": bool(report.milestones),
        "kpis": bool(report.plan.kpis),
        "projection": report.financials is not None,
    }
    tables = to_csv(report)
    return {path: tables[f"{name}.csv"] for name, path in CSV_FILES.items() if present[name]}


def nav_window(chapters: int, at: int | None) -> tuple[int, int] | None:
    """The chapters (start, stop) the sidebar lists on a page, out of ``chapters``;
    ``at`` is the page's place among them (``None`` for the dashboard, which lists
    them all; -1 for the other pages)."""
    if chapters <= NAV_ALL_CHAPTERS or at is None:
        return None
    start = max(at, 0) // NAV_BLOCK * NAV_BLOCK
    return (start, start + NAV_BLOCK)


class NavCache:
    """The sidebar markup, rendered once per folder depth and reused by every page.

    Rendering the navigation through Jinja for each page made the site's time and size
    grow with pages × pages. The block ``nav`` of ``base.html`` is rendered once with no
    current page; each page then gets ``aria-current`` on its own link. A first check per
    depth compares that with a real render for a page; when they differ (an override
    that uses the current page some other way) or the block is missing, each page
    renders its navigation itself, as before.
    """

    def __init__(self, env):
        self.env = env
        # key → (the shared markup, where each link it has once ends), or None
        self.by_key: dict[tuple, tuple[str, dict[str, int]] | None] = {}
        self.renders = 0  # how many times the block was rendered (tests count them)

    def _render(self, context: dict) -> str | None:
        try:
            base = self.env.get_template("base.html")
            block = base.blocks.get("nav")
            if block is None:
                return None
            self.renders += 1
            return "".join(block(base.new_context(context)))
        except Exception:
            # Any mistake is reported by the page's own render, with its template line.
            return None

    def markup(self, page: Page, context: dict, key: tuple) -> Markup | None:
        """The navigation for ``page``, or ``None`` when the page must render it itself.
        ``key`` tells apart the navigations (the depth, the chapters listed)."""
        if key not in self.by_key:
            shared = self._render({**context, "page": None})
            own = self._render(context)
            self.by_key[key] = None
            if shared is not None and own is not None and self._mark(shared, page) == own:
                self.by_key[key] = (shared, self._links(shared))
        cached = self.by_key[key]
        if cached is None:
            return None
        # As _mark, with the one place of the page's link looked up rather than searched.
        shared, ends = cached
        end = ends.get(f'href="{escape(page.root + page.path)}"')
        if end is None:
            return None
        return Markup(shared[:end] + ' aria-current="page"' + shared[end:])

    @staticmethod
    def _links(shared: str) -> dict[str, int]:
        """Where each link (``href="..."``) that ``shared`` has exactly once ends. Text
        and attribute values are escaped, so every ``href="`` is a link of its own."""
        ends: dict[str, int] = {}
        seen = set()
        for found in _HREF.finditer(shared):
            link = found.group()
            if link in seen:
                ends.pop(link, None)
            else:
                seen.add(link)
                ends[link] = found.end()
        return ends

    @staticmethod
    def _mark(shared: str, page: Page) -> str | None:
        link = f'href="{escape(page.root + page.path)}"'
        if shared.count(link) != 1:
            return None
        return shared.replace(link, link + ' aria-current="page"', 1)


_HREF = re.compile(r'href="[^"]*"')

#: From this many chapter pages to render, they are made from a shell (``ChapterShells``);
#: below, each is rendered by its template, as making the shell costs two renders.
SHELL_MIN_PAGES = 10


class ChapterShells:
    """Chapter pages made from one rendering of ``section.html`` with markers in it.

    On a chapter page of the bundled theme, the values that differ from page to page are
    the page's (its id, title and path), the chapter's (slug, title, path, Markdown and
    rendered body), the navigation markup, and the previous and next pages'; the template
    writes each as escaped text, and nothing else on the page depends on them. The shell
    is the page rendered with a marker in place of each value, cut at the markers; a page
    is then the pieces joined with its own values, escaped, in place of the markers.

    Checked before use: a shell is made from the first chapter page rendered with a
    given ``key`` (the way back to the site root and the chapters the sidebar lists: what
    the context holds besides the marked values), and the next one rendered by its
    template too must be what the shell gives for it (so a value the template writes
    another way, or a value not marked that differs between pages, shows). Any
    difference or a marker changed or missing, and every page is rendered by its
    template; so is a page without navigation markup or a previous or next page. Not
    used for templates a plan overrides, nor with review marks (see ``render_site``).
    """

    #: Every marked value: where it is found in a chapter page's context. The page's id
    #: is ``section:`` and the chapter's slug, and marked so.
    MARKED = (
        ("page", "title"),
        ("page", "path"),
        ("section", "slug"),
        ("section", "title"),
        ("section", "path"),
        ("section", "body"),
        ("previous_page", "id"),
        ("previous_page", "title"),
        ("previous_page", "path"),
        ("next_page", "id"),
        ("next_page", "title"),
        ("next_page", "path"),
    )

    def __init__(self, env):
        self.env = env
        self.shells: dict[tuple, tuple[list, bool]] = {}  # key → (pieces, checked)
        self.off = False  # a shell failed its check: every page by its template
        self.filled = 0  # pages made from the shell (tests count them)

    @staticmethod
    def _usable(context: dict) -> bool:
        return (
            "nav_markup" in context
            and context["previous_page"] is not None
            and context["next_page"] is not None
            and _PLAIN_SLUG.fullmatch(context["section"].slug) is not None
        )

    @staticmethod
    def _marker(name: str) -> str:
        # Nothing the templates leave alone changes it (no capital, no colon, nothing
        # escaped); a template that changes it (upper, replace, ...) loses it.
        return f"\x00pb-{name.replace('_', '-')}\x00"

    def page(self, context: dict, key: tuple) -> bytes | None:
        """The page from the shell for ``key``, as UTF-8, or ``None``: render it by its
        template (then hand the result to ``rendered``)."""
        shell = self.shells.get(key)
        if self.off or shell is None or not shell[1] or not self._usable(context):
            return None
        self.filled += 1
        return self._fill(shell[0], context)

    def rendered(self, context: dict, html: str, key: tuple) -> None:
        """A chapter page rendered by its template: the first of a ``key`` makes its
        shell, the second checks it."""
        if self.off or not self._usable(context):
            return
        if key not in self.shells:
            pieces = self._make(context)
            if pieces is None:
                self.off = True
            else:
                self.shells[key] = (pieces, False)
            return
        pieces, _ = self.shells[key]
        if self._fill(pieces, context) == html.encode("utf-8"):
            self.shells[key] = (pieces, True)
        else:
            self.off = True

    def _make(self, context: dict) -> list | None:
        probe = dict(context)
        for name in {name for name, _ in self.MARKED}:
            marks = {
                field: self._marker(f"{name}-{field}") for n, field in self.MARKED if n == name
            }
            if name == "page":
                marks["id"] = "section:" + self._marker("section-slug")
            probe[name] = replace(context[name], **marks)
        probe["body"] = Markup(self._marker("body"))
        probe["nav_markup"] = Markup(self._marker("nav-markup"))
        try:
            html = render_template(self.env, "section.html", probe)
        except TemplateProblem:
            return None  # the page's own render reports it
        slots = {self._marker(f"{n}-{f}"): (n, f) for n, f in self.MARKED}
        slots |= {self._marker("body"): "body", self._marker("nav-markup"): "nav_markup"}
        pieces: list = []
        at = 0
        for found in re.finditer("\x00pb-[a-z-]+\x00", html):
            if found.group() not in slots:
                return None
            pieces += [html[at : found.start()], slots[found.group()]]
            at = found.end()
        pieces.append(html[at:])
        if any("\x00" in piece for piece in pieces[::2]):
            return None  # a marker the template changed
        # Each piece encoded on its own: a chapter's body, mostly ASCII, then stays one
        # byte a character instead of being widened by the page's other characters.
        pieces[::2] = [piece.encode("utf-8") for piece in pieces[::2]]
        return pieces

    @staticmethod
    def _fill(pieces: list, context: dict) -> bytes:
        parts = []
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                parts.append(piece)
            elif isinstance(piece, tuple):
                parts.append(str(escape(getattr(context[piece[0]], piece[1]))).encode("utf-8"))
            else:
                parts.append(str(context[piece]).encode("utf-8"))  # the body, the navigation
        return b"".join(parts)


#: A chapter's slug as ``slugs.section_slug`` makes it: a template's filters leave it as
#: they leave a marker.
_PLAIN_SLUG = re.compile(r"[a-z0-9-]+")


def render_site(
    report: Report,
    theme: Theme,
    pdf_links: tuple = (),
    *,
    root: Path,
    only_sections: set[str] | None = None,
    only_pages: Collection[str] = (),
    previous: OutputFiles | None = None,
    changes: object | None = None,
) -> tuple[OutputFiles, list[Problem]]:
    """All site files (pages, theme static files, plan assets) and the problems met.
    ``root`` is the plan folder (the model holds only paths relative to it).

    With ``only_sections`` and ``previous`` (the dev server, after an edit), only those
    sections' pages are rendered, and of the other pages those in ``only_pages`` (page
    ids: ``milestones``, ``search``); every other file is taken from ``previous``. ``changes``
    (``diff.ReviewMarks``) adds review marks: the templates badge what changed, and a
    "what changed" page lists it.
    """
    incremental = only_sections is not None and previous is not None
    plan = report.plan
    fmt = Formatter(plan.meta.locale, plan.meta.currency)
    env = make_environment(theme, fmt)
    fragments_of(env).start()
    pages = site_pages(report, changes)
    out = OutputFiles()

    def target_for(_section) -> Target:
        # Section pages live one folder down, in sections/.
        return Target(
            asset_url=lambda p: f"../{p.as_posix()}",
            section_url=lambda slug, anchor: (
                f"../sections/{slug}.html" + (f"#{heading_id(slug, anchor)}" if anchor else "")
            ),
            chapter_url=lambda chapter, anchor: part_url(pages, chapter, anchor, "../"),
        )

    sections, problems = render_sections(
        report, root, target_for, only_sections if incremental else None
    )
    problems += theme.problems
    by_slug = {s.slug: s for s in plan.sections}
    labels = labels_for(plan.meta.locale)
    entries = search_entries(report, pages)
    downloads = csv_files(report)
    search_page = Page("search", str(labels["search"]), "search.html", "search.html", "search")
    chapters = [p for p in pages if p.group == "plan"]
    chapter_at: dict[str, int | None] = {p.id: i for i, p in enumerate(chapters)}
    chapter_at |= {p.id: None for p in pages if p.group == "home"}
    navs: dict = {}
    nav_cache = NavCache(env)
    shared: dict[str, dict] = {}  # by the page's way back to the site root
    to_render = [
        p
        for p in chapters
        if not incremental or p.id.split(":", 1)[1] in only_sections  # type: ignore[operator]
    ]
    overridden = theme.override is not None and (theme.override / "templates").is_dir()
    shell = ChapterShells(env) if len(to_render) >= SHELL_MIN_PAGES else None
    if overridden or changes is not None:
        shell = None  # an override may show anything; review marks badge chapters
    for index, page in enumerate([*pages, search_page]):
        chapter = page.id.startswith("section:")
        if incremental and (
            page.id.split(":", 1)[-1] not in only_sections if chapter else page.id not in only_pages
        ):
            # A checked path of the previous build (OutputFiles.add checks each one new).
            out.files[page.path] = previous.files[page.path]
            continue
        root_path = page.root
        if root_path not in shared:
            shared[root_path] = {
                "report": report,
                "plan": plan,
                "meta": plan.meta,
                "pages": pages,
                "nav": None,
                "search_entries": entries,
                # output path → href from this page, for the CSV links of its tables
                "csv": {
                    name: root_path + path for name, path in CSV_FILES.items() if path in downloads
                },
                "root": root_path,
                # (edition, href relative to the site root) of each PDF built with the site
                "pdf_links": [(edition, root_path + href) for edition, href in pdf_links],
                "money": report.financials,
                "changes": changes,  # review marks (build --changes-since), else None
            }
        context = {
            **shared[root_path],
            "page": page,
            "previous_page": pages[index - 1] if 0 < index < len(pages) else None,
            "next_page": pages[index + 1] if index + 1 < len(pages) else None,
            "charts": Charts(report, fmt, labels),
        }
        if chapter:
            slug = page.id.split(":", 1)[1]
            context["section"] = by_slug[slug]
            context["body"] = Markup(sections[slug].html)  # markdown-it output, raw HTML off
        window = nav_window(len(chapters), chapter_at.get(page.id, -1))
        if window not in navs:
            navs[window] = navigation(pages, labels, window)
        context["nav"] = navs[window]
        nav_markup = nav_cache.markup(page, context, (root_path, window))
        if nav_markup is not None:
            context["nav_markup"] = nav_markup
        shell_key = (root_path, window)
        data = shell.page(context, shell_key) if chapter and shell is not None else None
        if data is None:
            try:
                html = render_template(env, page.template, context)
            except TemplateProblem as exc:
                problems.append(exc.problem)
                continue
            if chapter and shell is not None:
                shell.rendered(context, html, shell_key)
            data = html.encode("utf-8")
        out.add(page.path, data)
    out.add(SEARCH_INDEX, search_index_js(entries))  # section words may have changed
    for relative, content in downloads.items():
        out.add(relative, content)
    if incremental:
        for relative, content in previous.files.items():
            if relative not in out:
                out.files[relative] = content  # checked paths, as above
        return out, problems
    for relative, path in theme.files("static").items():
        out.add(f"static/{relative}", path)

    for asset in plan.assets:
        out.add(asset, root / asset)
    return out, problems
