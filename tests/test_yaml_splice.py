"""The dev server's parse cache reads again only the changed items of a top-level list
(``load._splice``): whatever the edit, the result must be what a whole parse gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planbuilder import load

FILE = Path("/plan/milestones.yaml")

ITEM_SHAPES = (
    "- id: m-{n}\n  title: Milestone {n}\n  due: 2026-0{m}-1{m}\n  budget: {n}.50\n",
    "- id: m-{n}\n  title: 'Quoted: {n}'\n  goals: [a, b{n}]\n",
    "-\n  id: m-{n}\n  done: true\n",
    "- id: m-{n}\n  notes: |\n    line one {n}\n    - not an item\n\n  owner: maya\n",
    "- id: m-{n}\n  title: >\n    folded {n}\n  tags:\n  - x\n  - y{n}\n",
    "# a comment before item {n}\n\n",
    "- {n}\n",
    "- id: m-{n}  # trailing comment\n  budget: 1e{m}\n  flag: no\n",
    '- id: "m-{n}"\n  title: "two\n    lines {n}"\n',
    "- [{n}, {m}]\n",
    "- id: m-{n}\n  when: 2026-13-0{m}\n",
)

# Text that an edit may put anywhere: it breaks the YAML, adds or removes items, moves
# lines, adds anchors, tags, document markers, tabs and other line breaks.
PIECES = st.sampled_from(
    ["x", "-", "- ", "\n", "\n- ", "\n- id: new\n", " ", "  ", ":", ": ", "'", '"', "#", "[", "]",
     "{", "}", "&a ", "*a", "!!str ", "!x ", "\t", "\r\n", "---\n", "...\n", "%TAG ! x\n",
     "\n  title: t\n", "\n  id: dup\n  id: dup\n", "<<: {}\n", "7", "2026-01-01", "\u2028"]
)  # fmt: skip


def _text(shapes: list[int]) -> str:
    return "".join(ITEM_SHAPES[s].format(n=i, m=i % 9 + 1) for i, s in enumerate(shapes))


def _whole(text: str):
    return load._parse_yaml(text, FILE, 0)


def _same(got, want) -> None:
    (doc, problems), (full, full_problems) = got, want
    assert repr(doc.data) == repr(full.data)  # types too: Decimal, date, str
    assert doc.parsed == full.parsed
    assert list(problems) == list(full_problems)
    for mine, theirs in ((doc.positions, full.positions), (doc.key_positions, full.key_positions)):
        assert [(k, mine[k]) for k in mine] == [(k, theirs[k]) for k in theirs]


@pytest.fixture
def cache(monkeypatch):
    monkeypatch.setattr(load, "parse_cache", load.ParseCache())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shapes=st.lists(st.integers(0, len(ITEM_SHAPES) - 1), min_size=1, max_size=8),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 12), st.lists(PIECES, max_size=3)),
        min_size=1,
        max_size=4,
    ),
)
def test_every_edit_parses_as_a_whole_parse_does(shapes, edits):
    load.parse_cache = load.ParseCache()
    try:
        text = _text(shapes)
        _same(load.parse_yaml(text, FILE), _whole(text))
        for where, cut, pieces in edits:  # one after the other, as saves in an editor
            at = int(where * len(text))
            text = text[:at] + "".join(pieces) + text[at + cut :]
            _same(load.parse_yaml(text, FILE), _whole(text))
    finally:
        load.parse_cache = None


@settings(max_examples=200, deadline=None)
@given(
    shapes=st.lists(st.integers(0, len(ITEM_SHAPES) - 1), min_size=2, max_size=8),
    index=st.integers(0, 7),
    replacement=st.lists(st.integers(0, len(ITEM_SHAPES) - 1), max_size=3),
)
def test_replacing_one_item_by_others_parses_as_a_whole_parse_does(shapes, index, replacement):
    """Whole items replaced, added and removed: most of these are spliced."""
    load.parse_cache = load.ParseCache()
    try:
        text = _text([0, *shapes])
        load.parse_yaml(text, FILE)
        blocks = [m.start() for m in load._ITEM.finditer(text)] + [len(text)]
        index %= len(blocks) - 1
        new = "".join(ITEM_SHAPES[s].format(n=90 + i, m=i + 2) for i, s in enumerate(replacement))
        text = text[: blocks[index]] + new + text[blocks[index + 1] :]
        _same(load.parse_yaml(text, FILE), _whole(text))
    finally:
        load.parse_cache = None


def _large(count: int) -> str:
    return "# milestones\n\n" + "".join(
        f"- id: m-{i:05}\n  title: Milestone number {i}\n  due: 2026-01-{i % 28 + 1:02}\n"
        f"  budget: {1000 + i % 97}.50\n  goals: [wholesale]\n"
        for i in range(count)
    )


@pytest.mark.parametrize(
    "old, new",
    [
        ("Milestone number 7\n", "Milestone seven\n"),  # the same lines
        ("Milestone number 7\n", "Milestone seven\n  owner: maya\n"),  # a line more
        ("  goals: [wholesale]\n- id: m-00008\n", "- id: m-00008\n"),  # lines fewer
        ("- id: m-00008\n", "- id: m-new\n  title: New\n- id: m-00008\n"),  # an item more
        ("- id: m-00007\n", "- id: m-renamed\n"),  # an id
        ("  goals: [wholesale]\n", "  goals:\n  - wholesale\n  - margin\n"),  # new paths
    ],
)
def test_an_edit_of_a_large_list_reads_only_the_changed_items(cache, old, new):
    text = _large(2000)
    load.parse_yaml(text, FILE)
    edited = text.replace(old, new, 1)
    assert edited != text
    earlier = load.parse_cache.latest(str(FILE), 0, load.MAX_NODES)
    assert earlier is not None and earlier[0] == text
    assert load._splice(text, earlier[1], edited) is not None  # spliced, not parsed whole
    _same(load.parse_yaml(edited, FILE), _whole(edited))


@pytest.mark.parametrize(
    "old, new",
    [
        ("# milestones\n", "# milestones &x\n"),  # before the first item
        ("Milestone number 7\n", "&anchor Milestone\n"),  # an anchor
        ("Milestone number 7\n", "!custom 7\n"),  # a tag refused: parsed whole
        ("Milestone number 7\n", "Milestone: seven: \n"),  # broken YAML
        ("- id: m-00009\n", "---\n- id: m-00009\n"),  # a document marker
    ],
)
def test_edits_that_cannot_be_spliced_are_parsed_whole(cache, old, new):
    text = _large(50)
    load.parse_yaml(text, FILE)
    edited = text.replace(old, new, 1)
    earlier = load.parse_cache.latest(str(FILE), 0, load.MAX_NODES)
    assert load._splice(text, earlier[1], edited) is None
    _same(load.parse_yaml(edited, FILE), _whole(edited))


def test_the_caller_gets_its_own_copy_of_spliced_data(cache):
    text = _large(20)
    load.parse_yaml(text, FILE)
    edited = text.replace("Milestone number 3\n", "Three\n")
    doc, _ = load.parse_yaml(edited, FILE)
    doc.data[3]["title"] = "changed by a caller"
    doc.data.append({"id": "more"})
    again, _ = load.parse_yaml(edited, FILE)
    assert again.data[3]["title"] == "Three" and len(again.data) == 20
