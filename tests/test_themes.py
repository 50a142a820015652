"""Themes: where the bundled ones live, and how a plan's ``theme/`` overrides single files."""

from __future__ import annotations

from pathlib import Path

import pytest

from planbuilder.build import build, check
from planbuilder.diagnostics import problem_text
from planbuilder.themes import DEFAULT_THEME, Theme, available_themes, resolve_theme, themes_root
from tests.conftest import TODAY, write_files


@pytest.fixture
def layered(tmp_path: Path) -> Theme:
    """A bundled theme and a plan override, each with a few files, some shadowing."""
    bundled = write_files(
        tmp_path / "bundled",
        {
            "templates/page.html": "bundled page",
            "templates/base.html": "bundled base",
            "static/site.css": "bundled css",
            "static/img/logo.svg": "<svg/>",
            "print/print.css": "bundled print",
        },
    )
    plan_theme = write_files(
        tmp_path / "plan" / "theme",
        {
            "templates/page.html": "plan page",
            "static/site.css": "plan css",
            "static/extra.css": "plan extra",
            "static/.DS_Store": "junk",
            "static/.cache/old.css": "junk",
        },
    )
    return Theme("test", bundled, plan_theme)


def test_the_plan_layer_comes_first(layered: Theme, tmp_path: Path):
    assert layered.layers == [tmp_path / "plan" / "theme", tmp_path / "bundled"]
    assert layered.template_layers == [
        (tmp_path / "plan" / "theme" / "templates", tmp_path / "plan" / "theme"),
        (tmp_path / "bundled" / "templates", tmp_path / "bundled"),
    ]


def test_a_theme_without_override_has_one_layer(tmp_path: Path):
    theme = Theme("test", tmp_path)
    assert theme.layers == [tmp_path]
    assert theme.template_layers == []  # no templates/ folder at all


def test_find_prefers_the_plan_file(layered: Theme, tmp_path: Path):
    assert layered.find("static/site.css") == tmp_path / "plan/theme/static/site.css"
    assert layered.find("print/print.css") == tmp_path / "bundled/print/print.css"
    assert layered.find("static/missing.css") is None
    assert layered.find("static") is None  # a folder is not a file


def test_files_merges_the_layers_and_the_plan_wins(layered: Theme, tmp_path: Path):
    files = layered.files("static")
    assert files == {
        "extra.css": tmp_path / "plan/theme/static/extra.css",
        "img/logo.svg": tmp_path / "bundled/static/img/logo.svg",
        "site.css": tmp_path / "plan/theme/static/site.css",
    }
    assert layered.files("fonts") == {}


def test_files_and_find_skip_files_resolving_outside_their_layer(layered: Theme, tmp_path: Path):
    outside = write_files(tmp_path / "outside", {"secret.css": "secret", "dir/more.css": "more"})
    static = tmp_path / "plan" / "theme" / "static"
    (static / "linked.css").symlink_to(outside / "secret.css")
    (static / "linked-dir").symlink_to(outside / "dir", target_is_directory=True)
    # A link that stays inside the layer is fine.
    (static / "alias.css").symlink_to(static / "extra.css")
    files = layered.files("static")
    assert "linked.css" not in files
    assert not any(name.startswith("linked-dir") for name in files)
    assert files["alias.css"] == static / "alias.css"
    assert layered.find("static/linked.css") is None
    assert layered.find("static/linked-dir/more.css") is None


def test_roots_are_the_resolved_layers(layered: Theme, tmp_path: Path):
    assert layered.roots == [(tmp_path / "plan/theme").resolve(), (tmp_path / "bundled").resolve()]


def test_the_bundled_default_theme():
    assert DEFAULT_THEME in available_themes()
    theme = resolve_theme(DEFAULT_THEME)
    assert theme.folder == themes_root() / DEFAULT_THEME
    assert theme.override is None
    assert theme.find("templates/base.html") == theme.folder / "templates" / "base.html"
    assert "site.css" in theme.files("static")


def test_an_unknown_theme_has_nothing(tmp_path: Path):
    theme = resolve_theme("no-such-theme")
    assert "no-such-theme" not in available_themes()
    assert theme.find("templates/base.html") is None
    assert theme.files("static") == {}
    assert theme.template_layers == []


def test_a_plan_naming_an_unknown_theme_is_an_error_at_its_line(make_plan):
    root = make_plan({"plan.yaml": "title: T\ncompany: C\ntheme: defualt\n"})
    prepared = check(root, today=TODAY)
    errors = [p for p in prepared.problems if p.is_error]
    assert [(p.message, p.position.name, p.position.line) for p in errors] == [
        ("unknown theme `defualt`", "plan.yaml", 3)
    ]
    assert "default" in errors[0].hint


def test_a_plan_override_is_published_and_hidden_files_are_not(make_plan, tmp_path: Path):
    root = make_plan(
        {
            "theme/static/site.css": "body { color: rebeccapurple }\n",
            "theme/static/extra.css": "p { margin: 0 }\n",
            "theme/static/.DS_Store": "junk",
            "theme/templates/team.html": "{% extends 'base.html' %}"
            "{% block content %}<p class='ours'>ours</p>{% endblock %}",
            "team.yaml": "- {id: a, name: Ana}\n",
        }
    )
    out = tmp_path / "out"
    result = build(root, out, pdf=False, today=TODAY)
    assert result.ok, [problem_text(p) for p in result.problems]
    site = out / "site"
    assert (site / "static/site.css").read_text() == "body { color: rebeccapurple }\n"
    assert (site / "static/extra.css").read_text() == "p { margin: 0 }\n"
    assert not (site / "static/.DS_Store").exists()
    team = (site / "team.html").read_text()
    assert "<p class='ours'>ours</p>" in team
    assert "site-nav" in team  # the bundled base.html still wraps the plan's page
