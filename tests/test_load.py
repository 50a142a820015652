"""Stage 1: reading plan folders, keeping positions, never raising for bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from planbuilder.load import load, parse_yaml, split_front_matter


def test_values_remember_line_and_column(tmp_path: Path):
    doc, problems = parse_yaml(
        "- id: a\n  budget: 4500.00\n  due: 2027-03-31\n", tmp_path / "m.yaml"
    )
    assert problems == []
    assert doc.pos((0, "budget")).line == 2
    assert doc.pos((0, "budget")).column == 11
    assert doc.key_pos((0, "due")).line == 3
    assert doc.key_pos((0, "due")).column == 3


def test_fractions_are_exact_decimals_and_dates_are_dates(tmp_path: Path):
    doc, _ = parse_yaml("a: 0.1\nb: 4820.50\nc: 2027-04-08\nd: 12\n", tmp_path / "x.yaml")
    assert doc.data["a"] == Decimal("0.1")
    assert isinstance(doc.data["b"], Decimal) and str(doc.data["b"]) == "4820.50"
    assert doc.data["c"] == dt.date(2027, 4, 8)
    assert doc.data["d"] == 12


def test_month_keys_stay_text(tmp_path: Path):
    doc, _ = parse_yaml("actuals: {2027-01: 7900, 2027-02: 8150}\n", tmp_path / "k.yaml")
    assert list(doc.data["actuals"]) == ["2027-01", "2027-02"]


def test_invalid_yaml_is_a_problem_with_its_line(tmp_path: Path):
    doc, problems = parse_yaml("title: ok\nlist: [a, b\nother: c\n", tmp_path / "p.yaml")
    assert doc.data is None
    assert [(p.is_error, p.position.line, p.position.column, p.message) for p in problems] == [
        (True, 3, 6, "invalid YAML: expected ',' or ']', but got ':'")
    ]


def test_duplicate_keys_are_reported(tmp_path: Path):
    _, problems = parse_yaml("name: a\nrole: b\nname: c\n", tmp_path / "t.yaml")
    assert [(p.position.line, p.message) for p in problems] == [(3, "duplicate key `name`")]
    assert "line 1" in problems[0].hint


def test_alias_expansion_is_bounded(tmp_path: Path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        lines.append(f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 10)}]")
    doc, problems = parse_yaml("\n".join(lines) + "\n", tmp_path / "bomb.yaml")
    assert doc.data is None
    assert "expands to more than" in problems[0].message


def test_unsafe_tags_are_refused(tmp_path: Path):
    doc, problems = parse_yaml(
        "title: T\nx: !!python/object/apply:os.system ['true']\n", tmp_path / "e.yaml"
    )
    assert [(p.is_error, p.position.line, p.position.column, p.message) for p in problems] == [
        (True, 2, 4, "YAML tag `tag:yaml.org,2002:python/object/apply:os.system` is not allowed")
    ]
    assert problems[0].hint == "plans hold plain data: remove the `!tag`"
    assert doc.data == {"title": "T", "x": None}  # nothing was constructed, let alone run


def test_front_matter_is_split_with_body_line():
    front, body, line = split_front_matter("---\ntitle: Market\norder: 3\n---\n# Hello\n")
    assert front == "title: Market\norder: 3"
    assert body == "# Hello\n"
    assert line == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\n---\nBody", ("", "Body", 3)),  # empty front matter
        ("---\ntitle: T\n...", ("title: T", "", 4)),  # `...` closes, nothing after it
        (" --- \na: 1\n\t---\t\n\n# H", ("a: 1", "\n# H", 4)),  # fences with spaces
        ("---\na: 1\n# never closed\n", (None, "---\na: 1\n# never closed\n", 1)),
        ("---", (None, "---", 1)),  # one line only
        ("# No front matter\n---\n", (None, "# No front matter\n---\n", 1)),
        ("---\na: ---x\n----\n---\n", ("a: ---x\n----", "", 5)),  # only a whole `---`
    ],
)
def test_front_matter_ends_at_the_first_fence_line(text, expected):
    assert split_front_matter(text) == expected


def test_load_reads_only_format_files(tmp_path: Path):
    (tmp_path / "plan.yaml").write_text("title: T\ncompany: C\n")
    (tmp_path / "notes.yaml").write_text("this: is not part of the format\n")
    (tmp_path / "_build").mkdir()
    (tmp_path / "_build" / "plan.yaml").write_text(": broken")
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "intro.md").write_text("---\ntitle: Intro\n---\nHello\n")
    (tmp_path / "sections" / ".#intro.md").write_text("editor lock file")
    sources = load(tmp_path)
    assert sources.problems == ()
    assert sources.parts == {}
    assert [s.path.name for s in sources.sections] == ["intro.md"]
    assert sources.sections[0].front.pos(("title",)).line == 2


def test_missing_plan_yaml_is_a_problem(tmp_path: Path):
    sources = load(tmp_path)
    assert len(sources.problems) == 1
    assert "plan.yaml is missing" in sources.problems[0].message


def test_section_linked_from_outside_the_plan_is_refused(tmp_path: Path):
    outside = tmp_path / "secret.md"
    outside.write_text("private notes")
    plan = tmp_path / "plan"
    (plan / "sections").mkdir(parents=True)
    (plan / "plan.yaml").write_text("title: T\ncompany: C\n")
    (plan / "sections" / "leak.md").symlink_to(outside)
    sources = load(plan)
    assert sources.sections == ()
    assert any("outside the plan folder" in p.message for p in sources.problems)


def test_sections_are_the_visible_md_files_in_name_order(tmp_path: Path):
    (tmp_path / "plan.yaml").write_text("title: T\ncompany: C\n")
    sections = tmp_path / "sections"
    (sections / "folder.md").mkdir(parents=True)  # a folder, not a chapter
    for name in ("b.md", "a.md", "B.md", ".hidden.md", "notes.txt", "c.MD"):
        (sections / name).write_text(f"# {name}\n")
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "d.md").write_text("# linked\n")
    (sections / "d.md").symlink_to(tmp_path / "drafts" / "d.md")  # inside the plan: read
    (sections / "e.md").symlink_to(tmp_path / "drafts" / "missing.md")  # broken: no file
    sources = load(tmp_path)
    assert [s.path.name for s in sources.sections] == ["B.md", "a.md", "b.md", "d.md"]
    assert [s.body for s in sources.sections][-1] == "# linked\n"
    assert sources.problems == ()


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path):
    from planbuilder.load import Limits

    (tmp_path / "plan.yaml").write_text("title: T\ncompany: C\n")
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "big.md").write_bytes(b"# Big\n" + b"x" * (1024 * 1024))
    (tmp_path / "sections" / "exact.md").write_bytes(b"#" * (1024 * 1024))
    sources = load(tmp_path, limits=Limits.for_file_mib(1))
    assert [s.path.name for s in sources.sections] == ["exact.md"]
    assert [(p.position.file, p.message) for p in sources.problems] == [
        (str(sources.root / "sections" / "big.md"), "file is larger than 1 MiB")
    ]


def test_non_utf8_file_is_reported_with_line(tmp_path: Path):
    (tmp_path / "plan.yaml").write_bytes(b"title: T\ncompany: Caf\xe9\n")
    sources = load(tmp_path)
    assert sources.problems[0].message == "file is not valid UTF-8"
    assert sources.problems[0].position.line == 2


def test_deep_nesting_is_an_error_at_its_line(tmp_path: Path):
    block = "a:\n" + "".join("  " * depth + "-\n" for depth in range(1, 3000))
    doc, problems = parse_yaml(block, tmp_path / "deep.yaml")
    assert doc.data is None
    assert [(p.position.line, p.position.column, p.message) for p in problems] == [
        (101, 201, "the YAML is nested more than 100 levels deep")
    ]
    _, problems = parse_yaml("x: " + "[" * 3000 + "]" * 3000, tmp_path / "flow.yaml")
    assert [(p.position.line, p.position.column) for p in problems] == [(1, 103)]
    _, problems = parse_yaml(
        "ok: [[[1]]]\n" + "x: " + "{a: " * 200 + "1" + "}" * 200, tmp_path / "m.yaml"
    )
    assert [(p.position.line, p.position.column) for p in problems] == [(2, 397)]


def test_nesting_through_aliases_is_bounded_too(tmp_path: Path):
    lines = ["a0: &a0 " + "[" * 90 + "1" + "]" * 90]
    lines += [f"a{i}: &a{i} " + "[" * 90 + f"*a{i - 1}" + "]" * 90 for i in range(1, 30)]
    doc, problems = parse_yaml("\n".join(lines) + "\n", tmp_path / "alias.yaml")
    assert doc.data is None
    assert [(p.position.line, p.message) for p in problems] == [
        (1, "the YAML is nested more than 100 levels deep")
    ]


def test_nesting_in_front_matter_counts_lines_from_the_file(tmp_path: Path):
    (tmp_path / "plan.yaml").write_text("title: T\ncompany: C\n")
    (tmp_path / "sections").mkdir()
    front = "title: X\nextra:\n" + "".join("  " * d + "-\n" for d in range(1, 200))
    (tmp_path / "sections" / "a.md").write_text(f"---\n{front}---\nBody\n")
    problems = load(tmp_path).problems
    assert [(p.position.name, p.position.line) for p in problems] == [("a.md", 103)]


def test_nesting_is_the_one_problem_even_beside_others(tmp_path: Path):
    # The depth is checked along with building the data: a value left out for another
    # problem (a tag, a duplicate key, a list as a key) is still checked for depth.
    deep = "[" * 100 + "1" + "]" * 100
    for text in (
        f"a: !foo x\nb: {deep}\n",
        f"b: {deep}\nb: 1\n",
        f"b: 1\nb: {deep}\n",
        f"? {deep}\n: 1\n",
        f"b: !foo {deep}\n",
    ):
        doc, problems = parse_yaml(text, tmp_path / "deep.yaml")
        line = text.count("\n", 0, text.index("["))
        assert doc.data is None
        assert [(p.position.line, p.message) for p in problems] == [
            (line + 1, "the YAML is nested more than 100 levels deep")
        ]
    doc, problems = parse_yaml("b: " + "[" * 98 + "1" + "]" * 98 + "\n", tmp_path / "ok.yaml")
    assert problems == [] and doc.pos(("b",) + (0,) * 98).column == 102


def test_the_same_scalar_text_gives_equal_values_in_every_file(tmp_path: Path):
    first, _ = parse_yaml("a: 2027-01-31\nb: 1.50\nc: yes\n", tmp_path / "a.yaml")
    second, _ = parse_yaml("- 2027-01-31\n- 1.50\n- 2027-13-01\n", tmp_path / "b.yaml")
    assert first.data == {"a": dt.date(2027, 1, 31), "b": Decimal("1.50"), "c": True}
    assert second.data == [dt.date(2027, 1, 31), Decimal("1.50"), "2027-13-01"]
    assert str(second.data[1]) == "1.50"


def test_plain_yaml_read_from_events_is_what_the_node_tree_gives(monkeypatch):
    """Plain data is read from libyaml's events; anything else through the node tree.
    Both give the same data (types included), positions and problems."""
    import planbuilder.load as load_module
    from tests.conftest import SAMPLE

    documents = [(p, p.read_text()) for p in sorted(Path(SAMPLE).rglob("*.yaml"))]
    documents += [
        (Path(f"x{i}.yaml"), text)
        for i, text in enumerate(
            [
                "",
                "---\n",
                "x",
                "[1, {a: b}, [], {}]\n",
                "- 1\n- 2.50\n- 2027-01-01\n- 2027-13-01\n- yes\n- ~\n- '3'\n- 1_000\n- -.5\n",
                "a:\n  b:\n    - c: 1e3\n      d: .inf\n      2027-01: 5\n",
                # plain scalars by first character: text, or a type some start with
                "- hello\n- Nope\n- NULL\n- True\n- off\n- =\n- +12\n- .5\n- <x\n- ~\n"
                "- Éa\n- 0x1F\n- 1:20\n- yes please\n- '' \n- Off\n- 2027-01-01x\n",
                "a: 1\n---\nb: 2\n",
                "a: &x 1\nb: *x\n",
                "<<: {a: 1}\n",
                "a: 1\na: 2\n",
                "? [1]\n: 2\n",
                "a: !!str 1\n",
                "a: !foo x\n",
                "a: [1\n",
                "a:\n" + "".join("  " * i + "- \n" for i in range(1, 120)),
                "[" * 99 + "]" * 99,
            ]
        )
    ]

    def read(text: str, path: Path):
        doc, problems = parse_yaml(text, path, 3)
        return (
            repr(doc.data),
            dict(doc.positions.items()),
            dict(doc.key_positions.items()),
            [str(p) for p in problems],
        )

    fast = [read(text, path) for path, text in documents]
    monkeypatch.setattr(load_module, "_plain_data", lambda text, max_nodes: None)
    assert fast == [read(text, path) for path, text in documents]
