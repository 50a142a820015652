"""The per-file limits: kept for every plan, raised only by the user's `--max-file-mib`."""

from __future__ import annotations

from pathlib import Path

from planbuilder.build import build
from planbuilder.cli import main
from planbuilder.load import DEFAULT_LIMITS, Limits, ParseCache, parse_yaml

from .conftest import MINIMAL_PLAN, TODAY

MIB = 1024 * 1024

MILESTONES = """\
- id: launch
  title: Launch the wholesale line
  due: 2027-03-31
  budget: 1500.00
"""


def _padded(text: str, size: int) -> str:
    """``text`` followed by YAML comments up to ``size`` bytes."""
    line = "# padding to make a large file\n"
    lines, rest = divmod(size - len(text), len(line))
    return text + line * lines + "#" * (rest - 1) + "\n"


def _large_plan(make_plan, plan_text: str = MINIMAL_PLAN) -> Path:
    plan = make_plan({"plan.yaml": plan_text})
    (plan / "milestones.yaml").write_text(_padded(MILESTONES, 6 * MIB), encoding="utf-8")
    assert (plan / "milestones.yaml").stat().st_size == 6 * MIB
    return plan


def test_a_6_mib_file_is_refused_by_default_and_the_hint_names_the_option(make_plan, capsys):
    plan = _large_plan(make_plan)
    assert main(["check", str(plan)]) == 1
    err = capsys.readouterr().err
    assert "milestones.yaml: error: file is larger than 5 MiB" in err
    assert "raise the limit with `--max-file-mib N`" in err


def test_max_file_mib_lets_a_trusted_large_plan_through(make_plan, tmp_path: Path, capsys):
    plan = _large_plan(make_plan)
    assert main(["check", str(plan), "--max-file-mib", "7"]) == 0
    out = tmp_path / "out"
    assert main(["build", str(plan), "-o", str(out), "--no-pdf", "--max-file-mib", "7"]) == 0
    page = (out / "site" / "milestones.html").read_text(encoding="utf-8")
    assert "Launch the wholesale line" in page
    capsys.readouterr()
    # A file of exactly N MiB is allowed, one byte more is not.
    assert main(["check", str(plan), "--max-file-mib", "6"]) == 0
    (plan / "milestones.yaml").write_text(_padded(MILESTONES, 6 * MIB + 1), encoding="utf-8")
    assert main(["check", str(plan), "--max-file-mib", "6"]) == 1
    assert "file is larger than 6 MiB" in capsys.readouterr().err


def test_max_file_mib_must_be_a_whole_number_of_mib(make_plan, capsys):
    plan = make_plan()
    for bad in ("0", "-3", "2.5", "lots"):
        try:
            main(["check", str(plan), "--max-file-mib", bad])
        except SystemExit as exc:
            assert exc.code == 2
        else:
            raise AssertionError(f"--max-file-mib {bad} was accepted")
        assert "expected a whole number of MiB" in capsys.readouterr().err


def test_a_plan_cannot_raise_the_limits(make_plan, capsys):
    raising = MINIMAL_PLAN + "max_file_mib: 64\nmax-file-mib: 64\nlimits: {file_mib: 64}\n"
    plan = _large_plan(make_plan, raising)
    assert main(["check", str(plan)]) == 1
    assert "file is larger than 5 MiB" in capsys.readouterr().err
    result = build(plan, write=False, layout=False, today=TODAY)
    assert any(p.message == "file is larger than 5 MiB" for p in result.errors)


def test_the_value_cap_grows_in_proportion(tmp_path: Path):
    assert Limits.for_file_mib(5) == DEFAULT_LIMITS
    assert Limits.for_file_mib(10) == Limits(10 * MIB, 400_000)
    text = "[" + "1, " * 300_000 + "1]\n"  # 300,002 values in 0.9 MB
    doc, problems = parse_yaml(text, tmp_path / "kpis.yaml")
    assert doc.data is None
    assert [p.message for p in problems] == ["the file expands to more than 200000 values"]
    assert "--max-file-mib N" in (problems[0].hint or "")
    doc, problems = parse_yaml(text, tmp_path / "kpis.yaml", limits=Limits.for_file_mib(8))
    assert problems == [] and len(doc.data) == 300_001


def test_the_parse_cache_does_not_carry_raised_limits_to_another_build(tmp_path: Path, monkeypatch):
    from planbuilder import load

    monkeypatch.setattr(load, "parse_cache", ParseCache())
    text = "[" + "1, " * 250_000 + "1]\n"
    raised, problems = parse_yaml(text, tmp_path / "k.yaml", limits=Limits.for_file_mib(8))
    assert problems == [] and raised.data is not None
    default, problems = parse_yaml(text, tmp_path / "k.yaml")
    assert default.data is None
    assert [p.message for p in problems] == ["the file expands to more than 200000 values"]


def test_the_dev_server_builds_with_the_limits_it_was_given(make_plan, tmp_path: Path):
    from planbuilder.serve.live import LiveBuilder

    plan = _large_plan(make_plan)
    refused = LiveBuilder(plan, tmp_path / "work-default", pdf=False, today=TODAY).build()
    assert refused.failed
    assert [p.message for p in refused.problems if p.is_error] == ["file is larger than 5 MiB"]
    raised = LiveBuilder(
        plan, tmp_path / "work-raised", pdf=False, today=TODAY, limits=Limits.for_file_mib(7)
    ).build()
    assert not raised.failed and raised.site_dir is not None
    assert "Launch the wholesale line" in (raised.site_dir / "milestones.html").read_text()


def test_raised_limits_count_mapping_values_too(tmp_path: Path):
    # Values inside mappings are counted where they are read, apart from list items.
    text = "".join(f"- {{id: m{i}, a: 1, b: 2, c: 3}}\n" for i in range(55_000))
    doc, problems = parse_yaml(text, tmp_path / "milestones.yaml")
    assert [p.message for p in problems] == ["the file expands to more than 200000 values"]
    doc, problems = parse_yaml(text, tmp_path / "milestones.yaml", limits=Limits.for_file_mib(8))
    assert problems == [] and len(doc.data) == 55_000 and doc.data[-1]["id"] == "m54999"


def test_a_spliced_edit_is_held_to_the_value_cap(tmp_path: Path, monkeypatch):
    from planbuilder import load

    monkeypatch.setattr(load, "parse_cache", ParseCache())
    path = tmp_path / "milestones.yaml"
    small = Limits(MIB, 1_000)
    items = "".join(f"- id: m{i}\n  title: T{i}\n" for i in range(300))  # 300 items, 900 values
    doc, problems = parse_yaml(items, path, limits=small)
    assert problems == [] and len(doc.data) == 300
    # One item grows by 200 values: spliced or not, the file is now over its cap.
    grown = items.replace("  title: T7\n", "  title: T7\n  tags: [" + "x, " * 199 + "x]\n")
    doc, problems = parse_yaml(grown, path, limits=small)
    assert [p.message for p in problems] == ["the file expands to more than 1000 values"]
