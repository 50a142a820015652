"""Random plans never crash planbuilder: every problem points at a file, the output is
whole or absent.

Each example writes a plan folder: some YAML files hold random structures (nested
mappings and lists of text, huge integers, floats, dates, ``null``; keys from the
format's own vocabulary or random), others are the sample plan's with random
values put in at random places, plus random Markdown chapters. The plan is then
checked and built without a PDF.

CI runs a bounded number of examples. For a longer hunt, set the count::

    PLANBUILDER_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest -q tests/test_fuzz.py
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planbuilder.build import build, check
from planbuilder.diagnostics import problem_text
from planbuilder.load import PART_FILES, PLAN_FILE
from tests.conftest import MINIMAL_PLAN, SAMPLE, TODAY

EXAMPLES = int(os.environ.get("PLANBUILDER_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    # CI runs the same examples every time; a longer run explores new ones.
    derandomize="PLANBUILDER_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

YAML_FILES = (PLAN_FILE, *PART_FILES)
SAMPLE_DATA = {name: yaml.safe_load((SAMPLE / name).read_text("utf-8")) for name in YAML_FILES}

#: Problems about a whole folder or file, which have no line to point at.
NO_LINE = (
    re.compile(r"plan\.yaml is missing"),
    re.compile(r"cannot read file: "),
    re.compile(r"file points outside the plan folder"),
    re.compile(r"`.*` is not an image or document type planbuilder publishes"),
    re.compile(r"`.*` is not a style sheet, font or image planbuilder publishes"),
    re.compile(r"file is larger than \d+ MiB"),
    re.compile(r"`.*` is saved as UTF-(16|32)"),
)


def _keys(value, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(str(key))
            _keys(item, found)
    elif isinstance(value, list):
        for item in value:
            _keys(item, found)
    return found


VOCABULARY = sorted(_keys(SAMPLE_DATA, set()))
IDS = sorted(
    {
        item["id"]
        for data in SAMPLE_DATA.values()
        if isinstance(data, list)
        for item in data
        if isinstance(item, dict) and "id" in item
    }
)
TRICKY_TEXT = (
    "",
    " ",
    "2027-13-01",
    "2027-02",
    "2027-02-30",
    "1e400",
    "-0",
    "0x1F",
    "1_000.5",
    "yes",
    "~",
    ".nan",
    "-.inf",
    "9" * 60,
    "<script>alert(1)</script>",
    "{{ 7 * 7 }}",
    "../../etc/passwd",
    "assets/logo.svg",
    "all",
    "contents",
    "USD",
    "en_US",
    "A4",
)

# Surrogates alone are left out: they cannot be written as UTF-8 at all. Control
# characters and unassigned code points stay in, since load must refuse them at their line.
yaml_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**15, max_value=10**80),
    st.integers(min_value=-(10**80), max_value=-(10**15)),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(TRICKY_TEXT),
    st.sampled_from(IDS),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(),
)
keys = st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=8))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=6)),
    max_leaves=24,
)
records = st.dictionaries(keys, values, max_size=10)
documents = st.one_of(values, records, st.lists(records, max_size=4))


def _mutate(data, draw, count: int):
    """The sample's ``data`` with ``count`` random values put at random places."""
    for _ in range(count):
        data = _replace(data, draw)
    return data


def _replace(node, draw):
    # Go deeper three times in four: most changes then land on a single value.
    if isinstance(node, dict) and node and draw(st.integers(0, 3)):
        key = draw(st.sampled_from(sorted(node)))
        return {**node, key: _replace(node[key], draw)}
    if isinstance(node, list) and node and draw(st.integers(0, 3)):
        index = draw(st.integers(0, len(node) - 1))
        return [*node[:index], _replace(node[index], draw), *node[index + 1 :]]
    return draw(_like(node))


def _like(node):
    """Random values, often of the same kind as ``node``, so that more plans pass
    validation and reach the model and the computations."""
    if isinstance(node, bool) or node is None:
        return values
    if isinstance(node, (int, float)):
        same = st.one_of(
            st.integers(-(10**6), 10**6),
            st.sampled_from((0, -1, 1, 10**12, 10**20, 10**40, -(10**40))),
            st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
            st.floats(),
        )
    elif isinstance(node, dt.date):
        same = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
    elif isinstance(node, str):
        same = st.one_of(st.sampled_from(TRICKY_TEXT), st.sampled_from(IDS), st.text(max_size=20))
    else:
        return values
    return st.one_of(same, same, values)


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


MARKDOWN_WORDS = st.sampled_from(
    (
        "word",
        "# Title",
        "## Part",
        "\n",
        "\n\n",
        "- item",
        "1. item",
        "**bold**",
        "`code`",
        "```",
        "> quote",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "![logo](../assets/logo.svg)",
        "![gone](../assets/none.png)",
        "[next](02-next.md)",
        "[anchor](02-next.md#part)",
        "[web](https://example.com)",
        "[bad](javascript:alert(1))",
        "<script>alert(1)</script>",
        "<http://example.com>",
        "---",
        "{{ x }}",
        "\t",
        "[^1]",
        "\\",
        "&amp;",
        "\u202e",
    )
)
chapters = st.one_of(
    st.lists(st.one_of(MARKDOWN_WORDS, yaml_text), max_size=30).map(" ".join),
    st.builds(
        lambda front, body: "---\n" + _dump(front) + "---\n" + body,
        records,
        st.text(max_size=60),
    ),
)
chapter_names = st.one_of(
    st.sampled_from(("01-intro.md", "02-next.md", "03-market.md")),
    st.from_regex(r"\A[0-9]{0,3}[-_ ]?[^/\\\x00.]{1,16}\.md\Z"),
)


SAMPLE_FILES = {
    path.relative_to(SAMPLE).as_posix(): path.read_text("utf-8")
    for folder in ("sections", "kpis")
    for path in sorted((SAMPLE / folder).iterdir())
}


@st.composite
def plans(draw) -> dict[str, str]:
    """``{relative path: text}`` of a random plan folder.

    It starts from the sample plan and changes one to three files: often a few values
    only, so that many plans get past validation to the model, the computations and
    the renderer; sometimes a whole file, which becomes absent, random or raw text.
    """
    files = {name: _dump(SAMPLE_DATA[name]) for name in YAML_FILES}
    files |= SAMPLE_FILES if draw(st.integers(0, 3)) else {}
    for name in draw(st.lists(st.sampled_from(YAML_FILES), min_size=1, max_size=3, unique=True)):
        how = draw(st.sampled_from(("absent", "mutated", "mutated", "mutated", "random", "raw")))
        if how == "absent":
            files[name] = MINIMAL_PLAN if name == PLAN_FILE else None
        elif how == "mutated":
            count = draw(st.integers(1, 3))
            files[name] = _dump(_mutate(SAMPLE_DATA[name], draw, count))
        elif how == "random":
            files[name] = _dump(draw(documents))
        else:
            files[name] = draw(yaml_text)
    for name in draw(st.lists(chapter_names, max_size=4, unique=True)):
        files[f"sections/{name}"] = draw(chapters)
    return {name: text for name, text in files.items() if text is not None}


def _write(root: Path, files: dict[str, str]) -> None:
    shutil.copytree(SAMPLE / "assets", root / "assets")
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _assert_located(problems, root: Path) -> None:
    for problem in problems:
        file = Path(problem.position.file)
        assert file == root or root in file.parents, problem_text(problem)
        if problem.position.line < 1:
            assert any(p.match(problem.message) for p in NO_LINE), problem_text(problem)


@FUZZ
@given(plans())
def test_check_reports_problems_and_never_raises(files):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "plan"
        _write(root, files)
        prepared = check(root, today=TODAY)
        _assert_located(prepared.problems, root)


@FUZZ
@given(plans())
def test_build_writes_a_whole_site_or_nothing(files):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "plan"
        _write(root, files)
        out = Path(tmp) / "out"
        result = build(root, out, pdf=False, today=TODAY)
        _assert_located(result.problems, root)
        if result.ok:
            assert (out / "site" / "index.html").is_file()
        else:
            assert not out.exists()


# Each crash the fuzzer found, kept as a known-answer test.


def _errors(plan: Path) -> list[tuple[str, int, str]]:
    result = check(plan, today=TODAY)
    return [(p.position.name, p.position.line, p.message) for p in result.problems if p.is_error]


def test_a_control_character_is_an_error_at_its_line(make_plan):
    plan = make_plan({"team.yaml": "- id: ana\n  name: Ana\x1f\n"})
    assert _errors(plan) == [
        ("team.yaml", 2, "invalid YAML: the file holds the control character U+001F")
    ]


def test_items_without_a_valid_id_are_reported_once_and_skipped(make_plan):
    plan = make_plan(
        {
            "team.yaml": "- name: No id\n- {id: '-bad', name: Bad}\n",
            "milestones.yaml": "- {title: Untitled, due: 2027-03-01, actual_cost: 10}\n",
        }
    )
    assert _errors(plan) == [
        ("milestones.yaml", 1, "milestone is missing required field `id`"),
        ("team.yaml", 1, "team member is missing required field `id`"),
        ("team.yaml", 2, "`-bad` is not a valid id"),
    ]


def test_financial_lines_without_a_name_are_reported_and_skipped(make_plan):
    plan = make_plan(
        {
            "financials.yaml": """\
                start: 2027-01
                revenue: [{monthly: 10}, {units: 1}]
                expenses: {recurring: [{monthly: 10, start: 2027-02}]}
            """
        }
    )
    assert [message for _, _, message in _errors(plan)] == [
        "revenue stream is missing required field `name`",
        "revenue stream is missing required field `name`",
        "recurring expense is missing required field `name`",
    ]


def test_a_timeline_of_decades_still_renders(make_plan, tmp_path):
    plan = make_plan(
        {
            "plan.yaml": MINIMAL_PLAN.replace("as_of: 2027-06-30", "as_of: 2000-01-01"),
            "milestones.yaml": "- {id: far, title: Far away, due: 2040-01-01}\n",
        }
    )
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    assert [p for p in result.problems if p.is_error] == []
    page = (tmp_path / "out" / "site" / "milestones.html").read_text()
    # Gridlines every 4 years (at most 12), and every other one labelled so that the
    # labels, at 13 px, do not overlap; 2040's gridline is at the chart's right edge,
    # where its label would be cut, so it has none.
    years = re.findall(r">Jan (\d{4})</text>", page)
    assert years == [str(year) for year in range(2000, 2033, 8)]


def _located(plan: Path) -> list[tuple[str, int, int, str]]:
    result = check(plan, today=TODAY)
    return [
        (p.position.name, p.position.line, p.position.column, p.hint)
        for p in result.problems
        if p.is_error
    ]


def test_a_surrogate_escape_is_an_error_at_its_value_not_a_crash(make_plan, tmp_path):
    """A double-quoted `\\ud83d\\ude80` (JSON's way to write one emoji) reads as two lone
    surrogates in YAML; writing the page failed with UnicodeEncodeError."""
    files = {"team.yaml": '- id: ana\n  name: "Ana \\ud83d\\ude80"\n'}
    plan = make_plan(files)
    assert _located(plan) == [
        (
            "team.yaml",
            2,
            9,
            "write the character itself, or one escape of eight digits for it: `\\U0001F680`",
        )
    ]
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    assert not result.ok and not (tmp_path / "out").exists()
    message = next(p.message for p in result.problems if p.is_error)
    assert message.startswith("the text holds `\\ud83d\\ude80`, a UTF-16 surrogate pair")


def test_a_lone_surrogate_in_front_matter_or_a_key_is_found_where_it_is(make_plan):
    plan = make_plan(
        {
            "sections/01-intro.md": '---\ntitle: Intro\nsubtitle: "Lone \\udc00"\n---\nBody\n',
            "financials.yaml": 'start: 2027-01\nuse_of_funds:\n  "Fit-out \\ud800": 100\n',
            # dates, numbers and booleans before it are passed over
            "milestones.yaml": "- {id: a, due: 2027-01-31, budget: 10, capital: true}\n"
            '- {id: b, due: 2027-02-28, title: "B \\udbff"}\n',
        }
    )
    assert _located(plan) == [
        ("financials.yaml", 3, 3, "write the character itself"),
        ("milestones.yaml", 2, 35, "write the character itself"),
        ("01-intro.md", 3, 11, "write the character itself"),
    ]


def test_escapes_outside_double_quotes_are_plain_text(make_plan, tmp_path):
    plan = make_plan(
        {
            "team.yaml": "- id: ana\n  name: 'Ana \\ud83d'\n  role: Owner \\ud83d\n",
            "milestones.yaml": "- {id: a, title: A \\u00e9, due: 2027-01-31, budget: 10}\n",
        }
    )
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    assert result.ok
    assert "Ana \\ud83d" in (result.site_dir / "team.html").read_text()
