"""Stage 6 — write: the atomic swap, the marker, and the folders it refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planbuilder.output import OutputFiles
from planbuilder.write import (
    MARKER,
    OutputRefused,
    check_output_dir,
    check_pdf_target,
    mark_output_dir,
    write_file,
    write_tree,
)


def files(**content: str) -> OutputFiles:
    out = OutputFiles()
    for name, text in content.items():
        out.add(name.replace("__", "/") + ".html", text.encode())
    return out


def test_write_tree_replaces_the_old_output_in_one_swap(tmp_path):
    out = tmp_path / "out"
    write_tree(files(index="first", old="gone soon"), out)
    assert (out / "index.html").read_text() == "first"
    assert (out / MARKER).is_file()
    write_tree(files(index="second", site__page="nested"), out)
    assert (out / "index.html").read_text() == "second"
    assert (out / "site" / "page.html").read_text() == "nested"
    assert not (out / "old.html").exists()  # the previous output is replaced, not merged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging left behind


def test_a_failed_write_keeps_the_previous_output(tmp_path):
    out = tmp_path / "out"
    write_tree(files(index="good"), out)
    broken = files(index="new")
    broken.add("missing.pdf", tmp_path / "does-not-exist.pdf")  # copying it fails
    with pytest.raises(OSError):
        write_tree(broken, out)
    assert (out / "index.html").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_only_planbuilder_folders_are_replaced(tmp_path):
    plan = tmp_path / "plan"
    plan.mkdir()
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(OutputRefused, match="not empty and was not made by planbuilder"):
        check_output_dir(foreign, plan)
    check_output_dir(tmp_path / "empty-or-new", plan)  # a new folder is fine
    ours = tmp_path / "ours"
    write_tree(files(index="x"), ours)
    check_output_dir(ours, plan)  # the marker makes it replaceable
    for bad, words in (
        (plan, "would contain the plan itself"),
        (tmp_path, "would contain the plan itself"),
        (plan / "sections" / "out", "inside the plan's sections/ folder"),
    ):
        with pytest.raises(OutputRefused, match=words):
            check_output_dir(bad, plan)


def test_a_linked_output_folder_is_refused_and_not_followed(tmp_path):
    plan = tmp_path / "plan"
    plan.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / MARKER).write_text("")
    (elsewhere / "keep.txt").write_text("mine")
    (plan / "_build").symlink_to("../elsewhere")
    with pytest.raises(OutputRefused, match="is a symbolic link"):
        check_output_dir(plan / "_build", plan)
    with pytest.raises(OutputRefused, match="is a symbolic link"):
        write_tree(files(index="x"), plan / "_build")
    assert sorted(p.name for p in elsewhere.iterdir()) == [MARKER, "keep.txt"]
    assert sorted(p.name for p in plan.iterdir()) == ["_build"]


def test_write_file_replaces_a_link_instead_of_writing_through_it(tmp_path):
    precious = tmp_path / "contract.pdf"
    precious.write_bytes(b"%PDF-1.7 signed contract")
    link = tmp_path / "out" / "plan.pdf"
    link.parent.mkdir()
    link.symlink_to(precious)
    with pytest.raises(OutputRefused, match="is a symbolic link"):
        check_pdf_target(link)
    write_file(b"%PDF-1.7 new", link)
    assert precious.read_bytes() == b"%PDF-1.7 signed contract"
    assert not link.is_symlink() and link.read_bytes() == b"%PDF-1.7 new"


def test_check_pdf_target_refuses_what_is_not_a_pdf(tmp_path):
    notes = tmp_path / "notes.pdf"
    notes.write_text("my notes")
    with pytest.raises(OutputRefused, match="is not a PDF"):
        check_pdf_target(notes)
    with pytest.raises(OutputRefused, match="is a folder"):
        check_pdf_target(tmp_path)
    old = tmp_path / "old.pdf"
    old.write_bytes(b"%PDF-1.4 ...")
    check_pdf_target(old)
    check_pdf_target(tmp_path / "new.pdf")


def test_write_file_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "deep" / "er" / "a.pdf"
    write_file(b"%PDF-x", target)
    assert target.read_bytes() == b"%PDF-x"
    assert [p.name for p in target.parent.iterdir()] == ["a.pdf"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)


def test_marker_is_written_once_and_never_through_a_link(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    outside = tmp_path / "autostart.desktop"
    (folder / MARKER).symlink_to(outside)  # dangling: writing through it would create it
    mark_output_dir(folder)
    assert not outside.exists()
    assert (folder / MARKER).is_file() and not (folder / MARKER).is_symlink()
    assert Path(folder / MARKER).read_text().startswith("This folder is written by planbuilder")


def test_a_rebuild_leaves_unchanged_files_in_place(tmp_path):
    out = tmp_path / "out"
    write_tree(files(index="same", site__page="before", other="same size 1"), out)
    before = {name: (out / name).stat().st_ino for name in ("index.html", "site/page.html")}
    (out / "other.html").chmod(0o600)  # changed by hand: written again, as a new file
    mode = (out / "index.html").stat().st_mode
    write_tree(files(index="same", site__page="after!", other="same size 1"), out)
    assert (out / "index.html").stat().st_ino == before["index.html"]  # not written again
    assert (out / "site" / "page.html").read_text() == "after!"
    assert (out / "site" / "page.html").stat().st_ino != before["site/page.html"]
    assert (out / "other.html").stat().st_mode == mode
    assert (out / "index.html").stat().st_nlink == 1  # the old output is gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_rebuild_never_links_through_a_link_in_the_old_output(tmp_path):
    out = tmp_path / "out"
    secret = tmp_path / "secret.html"
    secret.write_text("same")
    write_tree(files(index="same", site__page="same"), out)
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(secret)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "page.html").write_text("same")
    shutil.rmtree(out / "site")
    (out / "site").symlink_to(elsewhere, target_is_directory=True)
    write_tree(files(index="same", site__page="same"), out)
    for path in (out / "index.html", out / "site" / "page.html"):
        assert not path.is_symlink() and not path.parent.is_symlink()
        assert path.read_text() == "same" and path.stat().st_nlink == 1
    assert secret.stat().st_nlink == 1 and (elsewhere / "page.html").stat().st_nlink == 1
