"""Review of the state kept between builds (parse cache, kept checks, milestones and views,
timeline rows, formatted texts, files linked from the output a rebuild replaces): cases
where a repeated build could differ from a fresh one, or reach outside the output."""

from __future__ import annotations

import os

from planbuilder.build import build

from .conftest import TODAY


def test_a_rebuild_does_not_keep_a_hard_link_to_a_file_outside_the_output(sample_copy, tmp_path):
    out = tmp_path / "out"
    first = build(sample_copy, out, pdf=False, today=TODAY)
    assert first.ok, first.problems
    page = first.site_dir / "team.html"
    built = page.read_bytes()
    # A file outside the output with the same bytes, hard-linked into the old output
    # (by hand, by a copy tool, or by an archive the plan came in).
    outside = tmp_path / "notes.html"
    outside.write_bytes(built)
    page.unlink()
    os.link(outside, page)
    again = build(sample_copy, out, pdf=False, today=TODAY)
    assert again.ok, again.problems
    rebuilt = again.site_dir / "team.html"
    assert rebuilt.read_bytes() == built
    # The output is planbuilder's own: a later change of the outside file does not change
    # the built site (and an edit of the site would not change that file).
    with open(outside, "r+b") as handle:
        handle.write(b"<!-- edited -->")
    assert rebuilt.read_bytes() == built
    assert rebuilt.stat().st_nlink == 1


# A template of the plan's own theme calls the money filter with `whole` left empty.
POISON = (
    '{% extends "base.html" %}{% block content %}'
    "{% for p in money.base.detail %}{{ p.closing_cash | money(none) }} {% endfor %}"
    "{% endblock %}"
)


def test_a_template_calling_money_with_none_leaves_no_text_for_later_builds(sample_copy, tmp_path):
    from planbuilder.render import formatting

    for texts in (formatting._MONEY_TEXT, formatting._NUMBER_TEXT):
        texts.clear()  # as in a fresh process
    override = sample_copy / "theme" / "templates"
    override.mkdir(parents=True)
    (override / "team.html").write_text(POISON, encoding="utf-8")
    poisoned = build(sample_copy, tmp_path / "gen-1", pdf=False, today=TODAY)
    assert poisoned.ok, poisoned.problems
    # The override is removed (or another plan is built by the same process).
    (override / "team.html").unlink()
    again = build(sample_copy, tmp_path / "gen-2", pdf=False, today=TODAY)
    for texts in (formatting._MONEY_TEXT, formatting._NUMBER_TEXT):
        texts.clear()
    fresh = build(sample_copy, tmp_path / "gen-3", pdf=False, today=TODAY)
    assert again.ok and fresh.ok
    # The monthly projection's cells leave the currency sign to the caption.
    page = (fresh.site_dir / "financials.html").read_text(encoding="utf-8")
    assert (again.site_dir / "financials.html").read_text(encoding="utf-8") == page


def test_a_plan_file_that_is_a_fifo_is_refused_without_waiting(sample_copy):
    import threading

    from planbuilder.load import load

    fifo = sample_copy / "team.yaml"
    fifo.unlink()
    os.mkfifo(fifo)
    done: list = []
    reader = threading.Thread(target=lambda: done.append(load(sample_copy)), daemon=True)
    reader.start()
    reader.join(timeout=5)
    waited = not done
    if waited:  # still waiting on the FIFO: let it read an empty file and end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
    assert not waited, "load waited for something to write to the FIFO"
    assert [p.message for p in done[0].problems if str(fifo) in p.position.file]


def test_the_plans_theme_yaml_is_held_to_the_value_limit(sample_copy):
    from planbuilder.build import check

    # 1,000,000 values from 600 bytes (nine levels would be 10^9: minutes, gigabytes).
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 6)]
    lines.append("chapters:\n  swot: {template: chapters/swot.html, orientation: *a5}")
    theme = sample_copy / "theme"
    theme.mkdir()
    (theme / "theme.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = check(sample_copy, today=TODAY)
    found = [p for p in result.problems if p.position.file.endswith("theme.yaml")]
    assert found and all("200000 values" in p.message for p in found), [
        p.message[:80] for p in found
    ]


def test_the_plans_theme_yaml_is_held_to_the_size_limit(sample_copy):
    from planbuilder.build import check

    theme = sample_copy / "theme"
    theme.mkdir()
    (theme / "theme.yaml").write_text("# padding\n" * 600_000, encoding="utf-8")  # 6 MB
    result = check(sample_copy, today=TODAY)
    found = [p.message for p in result.problems if p.position.file.endswith("theme.yaml")]
    assert found == ["theme.yaml is larger than 5 MiB"]
