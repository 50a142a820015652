"""Stage 6 — write: put a finished build on disk atomically.

The whole output is written into a staging folder next to the target and
swapped into place only when every file is written, so a failed build leaves
the previous output untouched. A marker file tells planbuilder's own output
folders apart from anything else, which is never overwritten.

A plan may ship its own ``_build/``, with links in it: the output folder must
be a real folder at its own path, and a file being replaced is replaced by a
rename, never written through, so a link there is never followed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from pathlib import Path

from planbuilder.load import ASSETS_DIR, SECTIONS_DIR, THEME_DIR
from planbuilder.output import OutputFiles
from planbuilder.paths import is_inside

MARKER = ".planbuilder-output"
MARKER_TEXT = b"This folder is written by planbuilder; it is replaced on every build.\n"


class OutputRefused(OSError):
    """The output location is not one planbuilder may write to."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


def check_output_dir(out_dir: Path, plan_root: Path) -> None:
    """Refuse output folders that would clobber the plan or someone else's files."""
    out_dir = Path(os.path.abspath(out_dir))
    if out_dir.is_symlink():
        raise OutputRefused(
            f"output folder {out_dir} is a symbolic link; refusing to write through it",
            "delete the link, or choose another folder with -o",
        )
    real = out_dir.resolve()
    if real != out_dir:
        raise OutputRefused(
            f"output folder {out_dir} resolves to {real}, elsewhere than its path",
            "give the folder's real path with -o",
        )
    plan_root = plan_root.resolve()
    if out_dir == plan_root or is_inside(plan_root, out_dir):
        raise OutputRefused(
            f"output folder {out_dir} would contain the plan itself",
            "choose a folder inside the plan such as _build/, or one outside it",
        )
    for source_dir in (SECTIONS_DIR, ASSETS_DIR, THEME_DIR, "kpis"):
        if is_inside(out_dir, plan_root / source_dir):
            raise OutputRefused(
                f"output folder {out_dir} is inside the plan's {source_dir}/ folder",
                "build into _build/ (the default) or a folder outside the plan",
            )
    if out_dir.exists():
        if not out_dir.is_dir():
            raise OutputRefused(f"{out_dir} exists and is not a folder")
        if any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
            raise OutputRefused(
                f"{out_dir} is not empty and was not made by planbuilder; refusing to overwrite it",
                "choose another folder with -o, or empty this one",
            )


def write_tree(
    files: OutputFiles, out_dir: Path, reuse: tuple[OutputFiles, Path] | None = None
) -> None:
    """Write ``files`` under ``out_dir``, replacing its previous content in one swap.

    ``reuse`` is an earlier output written next to ``out_dir`` (its files, and the folder
    they were written to: the dev server's previous generation). A file with the same
    content there (the same object, or the same bytes) is hard-linked from it instead
    of written again, so that writing a rebuild costs what changed. Without ``reuse``,
    the output being replaced (planbuilder's, by its marker) is compared on disk the same
    way: a rebuild leaves the bytes of unchanged files where they are, instead of
    writing them again and freeing the old ones. Only a regular file inside that folder
    is linked, never through a symbolic link, and only one of ours with the mode a new
    file gets and no other link; anything else is written.
    """
    out_dir = _unresolved(out_dir)
    if out_dir.is_symlink():
        raise OutputRefused(f"output folder {out_dir} is a symbolic link; refusing to replace it")
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the output is for sharing
    earlier, earlier_dir = reuse if reuse is not None else (OutputFiles(), None)
    if earlier_dir is not None:
        earlier_dir = _unresolved(earlier_dir)
        if earlier_dir.is_symlink() or earlier_dir.parent != out_dir.parent:
            earlier, earlier_dir = OutputFiles(), None
    on_disk = _DiskOutput(out_dir, staging) if reuse is None else None
    # Paths as text, not path objects, from here on: a site has thousands of files.
    root = str(staging)
    folders: set[str] = set()
    real: dict[str, bool] = {}
    try:
        for relative, content in sorted(files.files.items()):
            target = os.path.join(root, relative)  # a relative path OutputFiles checked
            folder = os.path.dirname(target)
            if folder not in folders:
                os.makedirs(folder, exist_ok=True)
                folders.add(folder)
            old = earlier.files.get(relative)
            if (
                old is not None
                and earlier_dir is not None
                and (old is content or (isinstance(old, bytes) and old == content))
                and _link_regular(earlier_dir, relative, target, content, real)
            ):
                continue
            if (
                on_disk is not None
                and isinstance(content, bytes)
                and on_disk.link(relative, target, content)
            ):
                continue
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                _write_new(target, content)
        mark_output_dir(staging)
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


#: How ``write_tree`` creates a file in its staging folder: as ``open(target, "wb")`` does.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
_NEW_FILE |= getattr(os, "O_CLOEXEC", 0)


def _write_new(target: str, data: bytes) -> None:
    """Write ``data`` to the file ``target`` (mode 0o666 less the umask), without the
    layers of a file object."""
    fd = os.open(target, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


class _DiskOutput:
    """The output folder a build replaces, to link its unchanged files from."""

    def __init__(self, out_dir: Path, staging: Path):
        self.folder = str(out_dir)
        self.real: dict[str, bool] = {}
        self.usable = _is_output(out_dir)
        if self.usable:
            self.mode = _new_file_mode(staging)
            self.owner = os.geteuid() if hasattr(os, "geteuid") else None

    def link(self, relative: str, target: str, content: bytes) -> bool:
        """Link ``relative`` from the old output to ``target`` when it holds ``content``."""
        if not self.usable:
            return False
        source = os.path.join(self.folder, relative)
        try:
            parent = os.path.dirname(source)
            if parent not in self.real:
                self.real[parent] = os.path.realpath(parent) == parent
            if not self.real[parent]:
                return False  # a link on the way: never followed
            info = os.lstat(source)
            if (
                not stat.S_ISREG(info.st_mode)
                or info.st_nlink != 1  # linked elsewhere too: the new output is ours alone
                or info.st_size != len(content)
                or stat.S_IMODE(info.st_mode) != self.mode
                or (self.owner is not None and info.st_uid != self.owner)
            ):
                return False
            if not _holds(source, info, content):
                return False
            os.link(source, target, follow_symlinks=False)
        except OSError as exc:
            if exc.errno in _NO_LINKS:
                self.usable = False  # the file system has no hard links: write them all
            return False
        return _linked(target, info)


#: ``os.link`` failing for the folder, not the file: no use trying the next one.
_NO_LINKS = {
    getattr(errno, name)
    for name in ("EPERM", "EXDEV", "EMLINK", "ENOTSUP", "EOPNOTSUPP")
    if hasattr(errno, name)
}


def _is_output(folder: Path) -> bool:
    """``folder`` is a real folder (not a link) holding planbuilder's marker file."""
    try:
        return stat.S_ISDIR(os.lstat(folder).st_mode) and stat.S_ISREG(
            os.lstat(folder / MARKER).st_mode
        )
    except OSError:
        return False


def _new_file_mode(folder: Path) -> int:
    """The permissions a file written into ``folder`` gets (the process's umask)."""
    probe = folder / ".mode"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        return stat.S_IMODE(os.fstat(fd).st_mode)
    finally:
        os.close(fd)
        os.unlink(probe)


def _holds(path: str, info: os.stat_result, content: bytes) -> bool:
    """The regular file ``path`` (the one ``info`` describes) holds exactly ``content``."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            return False
        wanted, chunks = len(content) + 1, []
        while wanted > 0 and (chunk := os.read(fd, wanted)):
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks) == content
    finally:
        os.close(fd)


def _linked(target: str, info: os.stat_result) -> bool:
    """``target`` is the file ``info`` describes (not replaced meanwhile); else removed."""
    try:
        made = os.lstat(target)
    except OSError:
        return False
    if (made.st_dev, made.st_ino) != (info.st_dev, info.st_ino):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        return False
    return True


def _link_regular(
    folder: Path, relative: str, target: str, content: bytes | Path, real: dict[str, bool]
) -> bool:
    """Hard-link ``folder/relative`` to ``target`` when it is a regular file reached
    without a symbolic link (and, for bytes, of their size); ``False`` leaves nothing.
    ``real`` remembers which folders are their own real path."""
    source = os.path.join(folder, relative)
    try:
        parent = os.path.dirname(source)
        if parent not in real:
            real[parent] = os.path.realpath(parent) == parent
        if not real[parent]:
            return False  # a link on the way: never followed
        info = os.lstat(source)
        if not stat.S_ISREG(info.st_mode):
            return False
        if isinstance(content, bytes) and info.st_size != len(content):
            return False
        os.link(source, target, follow_symlinks=False)
    except OSError:
        return False
    return _linked(target, info)


def _swap(staging: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    os.rmdir(retired)
    os.rename(out_dir, retired)
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(retired, out_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _unresolved(path: Path) -> Path:
    """``path`` made absolute with its folder resolved and created, but not its last
    component: a link there is replaced, never followed."""
    path = Path(os.path.abspath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.parent.resolve() / path.name


def write_file(data: bytes, target: Path) -> None:
    """Write one file atomically (temporary file in the same folder, then rename over
    ``target``, which replaces a link rather than writing through it)."""
    target = _unresolved(target)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def check_pdf_target(target: Path) -> None:
    """Refuse to replace an existing file that is not a PDF, or a link to anything."""
    try:
        info = target.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise OutputRefused(
            f"{target} is a symbolic link; refusing to replace it",
            "delete the link, or choose another file name with -o",
        )
    if stat.S_ISDIR(info.st_mode):
        raise OutputRefused(f"{target} is a folder", "give the path of a .pdf file")
    if not stat.S_ISREG(info.st_mode):
        raise OutputRefused(f"{target} is not a regular file; refusing to replace it")
    fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        if handle.read(5) != b"%PDF-":
            raise OutputRefused(
                f"{target} exists and is not a PDF; refusing to overwrite it",
                "choose another file name with -o",
            )


def mark_output_dir(folder: Path) -> None:
    """Leave the marker that lets later builds replace this folder."""
    marker = folder / MARKER
    if marker.is_symlink() or not marker.is_file():
        write_file(MARKER_TEXT, marker)
