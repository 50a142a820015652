"""A plan's template overrides can describe a business and nothing else.

Each attack is a real plan folder (a copy of the sample plan) whose
``theme/templates/`` override carries one payload on a known line. ``check`` and
``build`` must report an error at that file and line, write and delete nothing,
and publish nothing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from planbuilder.build import build as build_plan
from planbuilder.build import check
from planbuilder.diagnostics import problem_text
from planbuilder.editions import editions
from planbuilder.render.environment import SANDBOX_ALL_ENV
from planbuilder.render.pdf import print_html
from planbuilder.render.site import render_site
from planbuilder.themes import themes_root
from tests.conftest import SAMPLE, TODAY

BUNDLED = themes_root() / "default" / "templates"
SECRET = "s3cr3t-7f1c9e-do-not-publish"
#: The line of the override on which every payload below is placed.
PAYLOAD_LINE = 3


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    """A copy of the sample plan, with a secret file and a victim file next to it."""
    root = tmp_path / "plan"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("_build"))
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (tmp_path / "victim.txt").write_text("keep me", encoding="utf-8")
    return root


def override(root: Path, payload: str, template: str = "team.html") -> Path:
    """Write the bundled ``template`` into the plan's theme with ``payload`` on line 3."""
    lines = (BUNDLED / template).read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[1].startswith("{% block content %}")
    lines.insert(PAYLOAD_LINE - 1, payload + "\n")
    path = root / "theme" / "templates" / template
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")
    return path


def published(out: Path) -> str:
    """Every file under ``out`` as text (empty when nothing was written)."""
    if not out.exists():
        return ""
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace") for p in sorted(out.rglob("*")) if p.is_file()
    )


#: The model holds no paths, so most payloads stop at a missing attribute before the
#: sandbox is needed; ``test_the_sandbox_refuses_a_path_in_the_context`` covers the sandbox.
GONE = "has no attribute"


def assert_refused(
    root: Path,
    template: str = "team.html",
    *,
    secrets: tuple[str, ...] = (SECRET,),
    expect: str = "not allowed in a template",
) -> None:
    """``check`` and ``build`` both report an error at the payload's line; nothing is
    published."""
    where = root / "theme" / "templates" / template
    prepared = check(root, today=TODAY)
    assert not prepared.ok
    errors = [p for p in prepared.problems if p.is_error]
    assert [(p.position.file, p.position.line) for p in errors] == [(str(where), PAYLOAD_LINE)], [
        problem_text(p) for p in errors
    ]
    assert expect in errors[0].message
    out = root.parent / "out"
    result = build_plan(root, out, pdf=False, today=TODAY)
    assert not result.ok
    assert (str(where), PAYLOAD_LINE) in [(p.position.file, p.position.line) for p in result.errors]
    text = published(out)
    for secret in secrets:
        assert secret not in text


WRITES = {
    "write_text": ("{{ plan.root.joinpath('../PWNED.txt').write_text('x') }}", GONE),
    "open": ("{{ plan.root.joinpath('../PWNED.txt').open('w').write('x') }}", GONE),
    "report.plan.root": ("{{ report.plan.root.joinpath('../PWNED.txt').write_text('x') }}", GONE),
    "charts.report": (
        "{{ charts.report.plan.root.joinpath('../PWNED.txt').write_text('x') }}",
        "not allowed in a template",
    ),
    "theme_override": (
        "{{ plan.theme_override.parent.parent.joinpath('PWNED.txt').touch() }}",
        GONE,
    ),
    "position.file": (
        "{{ plan.goals[0].position.file.parent.parent.joinpath('PWNED.txt').write_text('x') }}",
        GONE,
    ),
}


@pytest.mark.parametrize(("payload", "expect"), WRITES.values(), ids=WRITES.keys())
def test_a_template_cannot_write_a_file(plan: Path, payload: str, expect: str):
    override(plan, payload)
    assert_refused(plan, expect=expect)
    assert not (plan.parent / "PWNED.txt").exists()


def test_a_section_template_cannot_write_through_the_section_path(plan: Path):
    override(plan, "{{ section.path.parent.parent.parent.joinpath('PWNED.txt').touch() }}",
             "section.html")  # fmt: skip
    assert_refused(plan, "section.html", expect=GONE)
    assert not (plan.parent / "PWNED.txt").exists()


def test_a_template_cannot_delete_a_file(plan: Path):
    override(plan, "{{ plan.root.joinpath('../victim.txt').unlink() }}")
    assert_refused(plan, expect=GONE)
    assert (plan.parent / "victim.txt").read_text() == "keep me"


READS = {
    "read_text": "{{ plan.root.joinpath('../secret.txt').read_text() }}",
    "open": "{{ plan.root.joinpath('../secret.txt').open().read() }}",
    "financials.source": "{{ money.financials.source.parent.parent.joinpath('secret.txt')"
    ".read_text() }}",
    "items": "{{ plan['root'].joinpath('../secret.txt').read_text() }}",
    "attr filter": "{{ (plan|attr('root')).joinpath('../secret.txt').read_text() }}",
    "format": "{{ '{0.root}'.format(plan) }}",
}


@pytest.mark.parametrize("payload", READS.values(), ids=READS.keys())
def test_a_template_cannot_read_a_file(plan: Path, payload: str):
    override(plan, payload)
    assert_refused(plan, expect=GONE)


def test_a_template_cannot_publish_etc_passwd(plan: Path):
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd here")
    override(plan, "{{ plan.root.joinpath('/etc/passwd').read_text() }}")
    assert_refused(plan, secrets=("root:x:0:0",), expect=GONE)


LISTINGS = {
    "iterdir": "{% for p in plan.root.parent.iterdir() %}{{ p.name }} {% endfor %}",
    "home": "{{ plan.root.home() }}",
    "cwd": "{{ plan.root.cwd() }}",
}


@pytest.mark.parametrize("payload", LISTINGS.values(), ids=LISTINGS.keys())
def test_a_template_cannot_list_folders(plan: Path, payload: str):
    override(plan, payload)
    assert_refused(
        plan, secrets=("secret.txt", "victim.txt", str(Path.home()), os.getcwd()), expect=GONE
    )


ESCAPES = {
    "str class": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "cycler globals": "{{ cycler.__init__.__globals__ }}",
    "template reference": "{{ self._TemplateReference__context }}",
    "range self": "{{ range.__self__ }}",
    "lipsum globals": "{{ lipsum.__globals__ }}",
    "charts formatter": "{{ charts.fmt.money }}",
    "str method": "{{ 'x'.encode() }}",
    "decimal method": "{{ report.budget_total.quantize(1) }}",
}


@pytest.mark.parametrize("payload", ESCAPES.values(), ids=ESCAPES.keys())
def test_a_template_cannot_reach_python_internals(plan: Path, payload: str):
    override(plan, payload)
    assert_refused(plan)


def test_the_error_names_the_override_in_plan_terms(plan: Path):
    override(plan, "{{ charts.report }}")
    problem = next(p for p in check(plan, today=TODAY).problems if p.is_error)
    assert problem_text(problem, root=plan).startswith("theme/templates/team.html:3:1: error: ")
    assert "`report`" in problem.message


def test_a_symlinked_template_outside_the_theme_is_refused(plan: Path, tmp_path: Path):
    outside = tmp_path / "elsewhere.html"
    outside.write_text(f"<p>{SECRET}</p>", encoding="utf-8")
    link = plan / "theme" / "templates" / "team.html"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    prepared = check(plan, today=TODAY)
    errors = [p for p in prepared.problems if p.is_error]
    assert [p.position.file for p in errors] == [str(link)]
    assert "outside" in errors[0].message
    out = tmp_path / "out"
    assert not build_plan(plan, out, pdf=False, today=TODAY).ok
    assert SECRET not in published(out)


def test_a_symlinked_template_folder_outside_the_theme_is_refused(plan: Path, tmp_path: Path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "team.html").write_text(f"<p>{SECRET}</p>", encoding="utf-8")
    (plan / "theme").mkdir()
    (plan / "theme" / "templates").symlink_to(outside, target_is_directory=True)
    prepared = check(plan, today=TODAY)
    errors = [p for p in prepared.problems if p.is_error]
    assert [p.position.file for p in errors] == [str(plan / "theme" / "templates" / "team.html")]
    out = tmp_path / "out"
    assert not build_plan(plan, out, pdf=False, today=TODAY).ok
    assert SECRET not in published(out)


def test_a_symlink_inside_the_theme_still_works(plan: Path):
    """Confinement is about where a file resolves, not about links as such."""
    real = override(plan, "<p class='linked'>{{ plan.team|length }} people</p>", "team.html")
    real.rename(real.with_name("people.html"))
    real.symlink_to("people.html")
    out = plan.parent / "out"
    result = build_plan(plan, out, pdf=False, today=TODAY)
    assert result.ok, [problem_text(p) for p in result.problems]
    assert "<p class='linked'>4 people</p>" in (out / "site" / "team.html").read_text()


def test_what_a_theme_needs_still_works_in_an_override(plan: Path):
    """Macros, loops, filters, str and dict methods, charts and the frozen records."""
    payload = (
        "{% macro who(p) %}{{ p.name|upper }}{% endmacro %}"
        "{% for p in plan.team %}{{ loop.cycle('a', 'b') }}{{ who(p) }}"
        "{{ ', ' if not loop.last }}{% endfor %}"
        "|{{ 'a-b'.split('-')|join('+') }}|{{ labels.get('team') }}"
        "|{{ '{0} of {1}'.format(1, plan.team|length) }}"
        "|{{ money.balanced }}|{{ report.as_of.year }}|{{ plan.goals[0].target|number }}"
        "|{% for k, v in {'x': 1}.items() %}{{ k }}{{ v }}{% endfor %}"
        "|{{ charts.cash()|length > 100 }}"
    )
    override(plan, payload)
    out = plan.parent / "out"
    result = build_plan(plan, out, pdf=False, today=TODAY)
    assert result.ok, [problem_text(p) for p in result.problems]
    page = (out / "site" / "team.html").read_text()
    assert "aMAYA OKAFOR, b" in page
    assert "|a+b|Team|1 of 4|True|2026|520|x1|True" in page


@pytest.fixture
def sandbox_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SANDBOX_ALL_ENV, "1")


@pytest.mark.usefixtures("sandbox_all")
def test_the_bundled_site_needs_nothing_the_sandbox_forbids():
    prepared = check(SAMPLE, today=TODAY)
    assert prepared.ok
    files, problems = render_site(prepared.report, prepared.theme, root=prepared.root)
    assert problems == []
    assert "team.html" in files and "financials.html" in files


@pytest.mark.usefixtures("sandbox_all")
def test_every_bundled_print_document_needs_nothing_the_sandbox_forbids():
    prepared = check(SAMPLE, today=TODAY)
    chosen = editions(prepared.report.plan, prepared.theme)
    assert len(chosen) > 1
    for edition in chosen:
        html, problems = print_html(prepared.report, prepared.theme, edition, root=prepared.root)
        assert problems == [], edition.name
        assert html.startswith("<!DOCTYPE html>")


@pytest.mark.usefixtures("sandbox_all")
def test_forcing_the_sandbox_applies_to_bundled_templates():
    from planbuilder.render.environment import StrictSandbox, make_environment
    from planbuilder.render.formatting import Formatter

    prepared = check(SAMPLE, today=TODAY)
    assert prepared.theme.override is None
    env = make_environment(prepared.theme, Formatter("en_US", "USD"))
    assert isinstance(env, StrictSandbox)
    assert os.environ[SANDBOX_ALL_ENV] == "1"


def test_a_template_mistake_is_an_error_at_its_line_not_a_crash(plan: Path):
    override(plan, "{{ charts.kpi('no such view') }}")
    errors = [p for p in check(plan, today=TODAY).problems if p.is_error]
    assert [(p.position.name, p.position.line) for p in errors] == [("team.html", 3)]
    assert "AttributeError" in errors[0].message


def test_a_macro_calling_itself_without_end_is_an_error_not_a_crash(plan: Path):
    override(plan, "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}")
    errors = [p for p in check(plan, today=TODAY).problems if p.is_error]
    assert [(p.position.name, p.position.line) for p in errors] == [("team.html", 3)]
    assert "RecursionError" in errors[0].message


def test_templates_added_later_are_sandboxed_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The dev server keeps environments between rebuilds; a theme/templates/ folder
    created meanwhile must still get the sandbox."""
    from planbuilder.render.environment import StrictSandbox, make_environment
    from planbuilder.render.formatting import Formatter
    from planbuilder.themes import resolve_theme

    monkeypatch.delenv(SANDBOX_ALL_ENV, raising=False)
    theme = resolve_theme("default", tmp_path / "theme")
    fmt = Formatter("en_US", "USD")
    assert not isinstance(make_environment(theme, fmt), StrictSandbox)
    (tmp_path / "theme" / "templates").mkdir(parents=True)
    assert isinstance(make_environment(theme, fmt), StrictSandbox)


def test_the_loader_lists_only_templates_inside_their_theme(plan: Path, tmp_path: Path):
    from planbuilder.render.environment import make_environment
    from planbuilder.render.formatting import Formatter
    from planbuilder.themes import resolve_theme

    (tmp_path / "elsewhere.html").write_text(SECRET, encoding="utf-8")
    templates = plan / "theme" / "templates"
    templates.mkdir(parents=True)
    (templates / "linked.html").symlink_to(tmp_path / "elsewhere.html")
    (templates / "mine.html").write_text("mine", encoding="utf-8")
    env = make_environment(resolve_theme("default", plan / "theme"), Formatter("en_US", "USD"))
    listed = env.list_templates()
    assert {"mine.html", "team.html", "partials/financials.html"} <= set(listed)
    assert "linked.html" not in listed


def test_a_template_swapped_for_a_link_is_refused_on_its_next_use(plan: Path, tmp_path: Path):
    from planbuilder.render.environment import TemplateOutsideTheme, make_environment
    from planbuilder.render.formatting import Formatter
    from planbuilder.themes import resolve_theme

    (tmp_path / "elsewhere.html").write_text(SECRET, encoding="utf-8")
    templates = plan / "theme" / "templates"
    templates.mkdir(parents=True)
    (templates / "mine.html").write_text("mine", encoding="utf-8")
    env = make_environment(resolve_theme("default", plan / "theme"), Formatter("en_US", "USD"))
    assert env.get_template("mine.html").render() == "mine"
    (templates / "mine.html").unlink()
    (templates / "mine.html").symlink_to(tmp_path / "elsewhere.html")
    with pytest.raises(TemplateOutsideTheme):
        env.get_template("mine.html")
    (templates / "mine.html").unlink()
    (templates / "mine.html").write_text("edited", encoding="utf-8")
    assert env.get_template("mine.html").render() == "edited"


PATH_PAYLOADS = {
    "write": "{{ p.joinpath('PWNED.txt').write_text('x') }}",
    "read": "{{ p.joinpath('secret.txt').read_text() }}",
    "list": "{% for f in p.iterdir() %}{{ f }}{% endfor %}",
    "home": "{{ p.home() }}",
    "item": "{{ {'k': p}['k'].parent }}",
}


@pytest.mark.parametrize("payload", PATH_PAYLOADS.values(), ids=PATH_PAYLOADS.keys())
def test_the_sandbox_refuses_a_path_in_the_context(tmp_path: Path, payload: str):
    """Should a path ever reach a template again, the sandbox still refuses to touch it."""
    from jinja2.sandbox import SecurityError

    from planbuilder.render.environment import make_environment
    from planbuilder.render.formatting import Formatter
    from planbuilder.themes import resolve_theme

    (tmp_path / "secret.txt").write_text(SECRET)
    env = make_environment(resolve_theme("default"), Formatter("en_US", "USD"), sandboxed=True)
    with pytest.raises(SecurityError, match="not allowed in a template"):
        env.from_string(payload).render(p=tmp_path)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["secret.txt"]
