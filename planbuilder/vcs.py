"""Read what git knows about a plan folder without ever obeying the repository.

A plan may arrive with its own ``.git/``, and a repository's config and
attributes can name programs that git runs on its own: ``core.fsmonitor``,
clean/smudge filters, textconv and diff drivers, hooks, a pager, signature
verification. So this module only uses plumbing commands that run none of
them (``rev-parse``, ``describe`` without ``--dirty``, ``rev-list``,
``cat-file``, ``ls-tree``, ``ls-files``), each under overrides that switch
the rest off, and decides "dirty" itself: every tracked file's bytes are
hashed as a git blob in Python and compared with the index and ``HEAD``.
``git status``, ``git diff`` and ``describe --dirty`` are never used, since
they run filters and the fsmonitor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple


@dataclass(frozen=True)
class Vcs:
    """What git says about the plan folder."""

    describe: str  # `git describe --tags --always`, plus `-dirty`
    dirty: bool  # tracked files changed since the last commit
    commit_time: dt.datetime | None  # of the last commit touching the plan folder


#: Settings given on the command line win over every config file, so a
#: repository cannot turn these programs back on.
_OVERRIDES = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.sshCommand=false",
    "core.askPass=false",
    "log.showSignature=false",
    "gpg.program=false",
    "credential.helper=",
    "protocol.allow=never",
)

_TIMEOUT = 10


def _environment() -> dict[str, str]:
    """The user's environment without git's own variables, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_ATTR_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_OPTIONAL_LOCKS="0",
        GIT_ASKPASS="false",
        SSH_ASKPASS="false",
    )
    return env


def _git(folder: Path, *args: str, text: bool = True) -> str | bytes | None:
    command = ["git", "--no-pager", "--no-optional-locks"]
    for setting in _OVERRIDES:
        command += ["-c", setting]
    try:
        done = subprocess.run(
            [*command, "-C", str(folder), *args],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=_TIMEOUT,
            check=False,
            env=_environment(),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace").strip() if text else done.stdout


def git_info(root: Path) -> Vcs | None:
    """Version stamp and date of the plan at ``root``, or ``None`` outside a repository."""
    if shutil.which("git") is None:
        return None
    if _git(root, "rev-parse", "--is-inside-work-tree") != "true":
        return None
    top = _git(root, "rev-parse", "--show-toplevel")
    if not top:
        return None
    toplevel = Path(str(top))
    try:
        root.resolve().relative_to(toplevel.resolve())
    except (ValueError, OSError):
        return None  # `core.worktree` aims elsewhere: not this plan's repository
    describe = _git(root, "describe", "--tags", "--always")
    if not describe:
        return None  # a repository without commits
    dirty = is_dirty(toplevel)
    return Vcs(
        describe=f"{describe}-dirty" if dirty else str(describe),
        dirty=dirty,
        commit_time=_last_commit_time(root),
    )


def _last_commit_time(root: Path) -> dt.datetime | None:
    """Committer time of the last commit touching ``root``, read from the commit object."""
    commit = _git(root, "rev-list", "-1", "HEAD", "--", ".")
    if not commit:
        return None
    return _committer_time(_git(root, "cat-file", "commit", str(commit)))


def _committer_time(raw: object) -> dt.datetime | None:
    """The committer time in the headers of a raw commit object (``None``: unreadable)."""
    for line in str(raw or "").split("\n"):
        if not line:
            break  # the headers end at the first blank line
        if line.startswith("committer "):
            try:
                epoch = int(line.rsplit(" ", 2)[-2])
                return dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
            except (ValueError, IndexError, OverflowError, OSError):
                return None
    return None


class _Entry(NamedTuple):
    mode: str
    object_id: str
    skipped: bool = False  # left out of the folder on purpose (sparse checkout)
    cached: tuple[int, int, int, int] | None = None  # index stat: mtime s, ns, size, inode


#: One index entry of ``ls-files -s -t -z --debug``: tag, mode, id, stage, path, then
#: the stat data git keeps for it (32-bit fields).
_INDEX_RECORD = re.compile(
    rb"(\S) (\d{6}) ([0-9a-f]+) (\d)\t([^\0]*)\0"
    rb"  ctime: \d+:\d+\n  mtime: (\d+):(\d+)\n  dev: \d+\tino: (\d+)\n"
    rb"  uid: \d+\tgid: \d+\n  size: (\d+)\tflags: [0-9a-f]+\n"
)


def _index_entries(raw: bytes | None) -> dict[str, _Entry] | None:
    """``path -> entry`` from ``ls-files -s -t -z --debug``; ``None`` for an unfinished
    merge or output this reader does not understand."""
    if raw is None:
        return None
    found: dict[str, _Entry] = {}
    end = 0
    for match in _INDEX_RECORD.finditer(raw):
        if match.start() != end or match[4] != b"0":
            return None
        end = match.end()
        tag, mode, object_id = (match[i].decode("ascii") for i in (1, 2, 3))
        cached = (int(match[6]), int(match[7]), int(match[9]), int(match[8]))
        path = match[5].decode("utf-8", "surrogateescape")
        found[path] = _Entry(mode, object_id, tag == "S", cached)
    return found if end == len(raw) else None


def _tree_entries(raw: bytes | None) -> dict[str, _Entry] | None:
    """``path -> entry`` from ``ls-tree -r -z``."""
    if raw is None:
        return None
    found: dict[str, _Entry] = {}
    for record in raw.split(b"\0"):
        if not record:
            continue
        head, _, path = record.decode("utf-8", "surrogateescape").partition("\t")
        fields = head.split()
        if len(fields) != 3:  # "100644 blob <id>"
            return None
        found[path] = _Entry(fields[0], fields[2])
    return found


def is_dirty(toplevel: Path) -> bool:
    """True when a tracked file differs from the last commit, staged or not."""
    algorithm = str(_git(toplevel, "rev-parse", "--show-object-format") or "sha1")
    head = _tree_entries(_git(toplevel, "ls-tree", "-r", "-z", "--full-tree", "HEAD", text=False))
    index = _index_entries(_git(toplevel, "ls-files", "-s", "-t", "-z", "--debug", text=False))
    if head is None or index is None:
        return True  # an unfinished merge, or an index we cannot read: not a clean tree
    staged = {path: entry[:2] for path, entry in index.items()}
    if staged != {path: entry[:2] for path, entry in head.items()}:
        return True
    index_file = _git(toplevel, "rev-parse", "--git-path", "index")
    try:
        written = (toplevel / str(index_file)).stat().st_mtime_ns if index_file else 0
    except OSError:
        written = 0
    return any(
        _changed(toplevel / path, entry, algorithm, written)
        for path, entry in index.items()
        if not entry.skipped
    )


def _changed(path: Path, entry: _Entry, algorithm: str, index_written: int) -> bool:
    """Whether the file at ``path`` no longer holds the blob of ``entry``.

    Like git, a file whose stat data still matches what the index recorded, and
    that was not modified after the index was written, is taken as unchanged
    without reading it; any other is hashed.
    """
    if entry.mode == "160000":
        return False  # a submodule: its own repository
    try:
        info = path.lstat()
        if _stat_matches(info, entry.cached, index_written):
            return False
        if entry.mode == "120000":
            if not stat.S_ISLNK(info.st_mode):
                return True
            data = os.fsencode(os.readlink(path))
        elif stat.S_ISREG(info.st_mode):
            data = path.read_bytes()
        else:
            return True
    except OSError:
        return True  # deleted, or not readable as a file
    if _blob_id(data, algorithm) == entry.object_id:
        return False
    # Line endings converted on checkout (core.autocrlf, `eol=crlf`) are no change.
    crlf = b"\r\n" in data
    return not crlf or _blob_id(data.replace(b"\r\n", b"\n"), algorithm) != entry.object_id


def _stat_matches(info: os.stat_result, cached: tuple | None, index_written: int) -> bool:
    if cached is None or not index_written or info.st_mtime_ns >= index_written:
        return False  # no record, or modified as late as the index: "racily clean"
    low = 0xFFFFFFFF  # the index keeps 32 bits of each field
    seconds, nanoseconds = divmod(info.st_mtime_ns, 1_000_000_000)
    return (seconds & low, nanoseconds, info.st_size & low, info.st_ino & low) == cached


def _blob_id(data: bytes, algorithm: str) -> str:
    digest = hashlib.sha256() if algorithm == "sha256" else hashlib.sha1()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


class GitError(Exception):
    """Git cannot answer: not a repository, an unknown revision, git missing."""


def repository_of(folder: Path) -> tuple[Path, str]:
    """The work tree's top folder and ``folder``'s path inside it (``""`` at the top).

    Raises ``GitError`` when ``folder`` is not inside a git work tree.
    """
    if shutil.which("git") is None:
        raise GitError("git is not installed")
    if not folder.is_dir() or _git(folder, "rev-parse", "--is-inside-work-tree") != "true":
        raise GitError("not inside a git repository")
    top = _git(folder, "rev-parse", "--show-toplevel")
    try:
        relative = folder.resolve().relative_to(Path(str(top)).resolve()) if top else None
    except (ValueError, OSError):
        relative = None  # `core.worktree` aims elsewhere: not this folder's repository
    if relative is None:
        raise GitError("not inside a git repository")
    return Path(str(top)), relative.as_posix().removeprefix(".")


def resolve_revision(folder: Path, revision: str) -> str:
    """The commit id ``revision`` names; ``GitError`` if it names none."""
    if not revision or revision.startswith("-"):
        raise GitError(f"`{revision}` is not a revision")
    commit = _git(
        folder, "rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}"
    )
    if not commit:
        raise GitError(f"unknown revision `{revision}`")
    return str(commit)


def revision_files(
    folder: Path,
    revision: str,
    wanted: Callable[[str], bool] = lambda name: True,
    max_bytes: int = 5 * 1024 * 1024,
) -> dict[str, bytes]:
    """The regular files under ``folder`` as committed in ``revision``, by path relative
    to ``folder``: ``ls-tree`` and ``cat-file blob`` only, so no filter or textconv runs
    and neither the work tree nor the index is touched. Symbolic links and submodules are
    left out; a file ``wanted`` refuses is listed with no bytes (read by name only); a
    wanted file larger than ``max_bytes`` is an error, before it is read."""
    top, prefix = repository_of(folder)
    commit = resolve_revision(top, revision)
    spec = [f"{prefix}/"] if prefix else []
    listing = _git(
        top, "ls-tree", "-r", "-z", "--long", "--full-tree", commit, "--", *spec, text=False
    )
    if not isinstance(listing, bytes):
        raise GitError(f"cannot list the files of `{revision}`")
    files: dict[str, bytes] = {}
    for record in listing.split(b"\0"):
        head, _, raw_path = record.partition(b"\t")
        fields = head.split()
        if len(fields) != 4 or fields[0] not in (b"100644", b"100755"):
            continue  # an empty record, a folder, a link or a submodule
        path = raw_path.decode("utf-8", "surrogateescape")
        name = path[len(prefix) + 1 :] if prefix else path
        if not wanted(name):
            files[name] = b""
            continue
        if int(fields[3]) > max_bytes:
            raise GitError(f"`{path}` at `{revision}` is larger than {max_bytes} bytes")
        entry = _Entry(fields[0].decode(), fields[2].decode("ascii"))
        blob = _git(top, "cat-file", "blob", entry.object_id, text=False)
        if not isinstance(blob, bytes):
            raise GitError(f"cannot read `{path}` at `{revision}`")
        files[name] = blob
    return files


def commit_time(folder: Path, revision: str) -> dt.datetime | None:
    """Committer time of ``revision``, read from the commit object."""
    return _committer_time(_git(folder, "cat-file", "commit", resolve_revision(folder, revision)))
