"""Watching the plan and its theme: which changes count, and one rebuild per burst of them."""

from __future__ import annotations

import fnmatch
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

#: Editor temp, swap and backup files, and tool folders: never a reason to rebuild.
IGNORED_NAMES = (
    "*~",
    ".*.swp",
    ".*.swx",
    ".*.swo",
    "4913",  # vim's write test
    "#*#",  # emacs auto-save
    ".#*",  # emacs lock
    "___jb_*",  # JetBrains safe write
    "*.tmp",
    ".DS_Store",
)
IGNORED_DIRS = (".git", "__pycache__", ".hg", ".svn", ".idea", ".vscode", "node_modules")

#: How long the plan must be quiet before a burst of saves is built.
QUIET_SECONDS = 0.1


def is_ignored(path: Path, excluded: Iterable[Path] = ()) -> bool:
    """True for editor droppings, tool folders and anything under an excluded folder."""
    if any(part in IGNORED_DIRS for part in path.parts):
        return True
    if any(fnmatch.fnmatch(path.name, pattern) for pattern in IGNORED_NAMES):
        return True
    return any(path == folder or folder in path.parents for folder in excluded)


class ChangeQueue:
    """Collects changed paths; ``wait()`` returns them once the plan has been quiet.

    A change that arrives while a build runs stays queued, so the last change of
    a burst is never lost: it triggers one more build after the current one.
    """

    def __init__(self, quiet: float = QUIET_SECONDS):
        self.quiet = quiet
        self._paths: set[Path] = set()
        self._last = 0.0
        self._condition = threading.Condition()
        self._closed = False

    def add(self, path: Path) -> None:
        with self._condition:
            self._paths.add(path)
            self._last = time.monotonic()
            self._condition.notify_all()

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def wait(self) -> set[Path] | None:
        """Block until changes have settled; ``None`` once closed."""
        with self._condition:
            while not self._closed:
                if not self._paths:
                    self._condition.wait()
                    continue
                remaining = self._last + self.quiet - time.monotonic()
                if remaining > 0:
                    self._condition.wait(remaining)
                    continue
                paths, self._paths = self._paths, set()
                return paths
            return None


class _Handler(FileSystemEventHandler):
    def __init__(self, on_change: Callable[[Path], None], excluded: Callable[[], list[Path]]):
        self.on_change = on_change
        self.excluded = excluded

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's mtime changes with every file saved in it
        # An atomic save is a write to a temp file renamed over the real one:
        # the rename's destination is the change that matters.
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = Path(raw if isinstance(raw, str) else raw.decode())
            if not is_ignored(path, self.excluded()):
                self.on_change(path)


class Watcher:
    """Watches folders (native events, or polling for network drives and containers)."""

    def __init__(
        self,
        on_change: Callable[[Path], None],
        excluded: Callable[[], list[Path]],
        poll: bool = False,
    ):
        self._observer = PollingObserver(timeout=0.5) if poll else Observer()
        self._handler = _Handler(on_change, excluded)
        self._watches: dict[Path, object] = {}

    def watch(self, folders: Iterable[Path]) -> None:
        """Watch exactly these folders (recursively), adding and dropping as needed."""
        wanted = {f.resolve() for f in folders if f.is_dir()}
        for folder in set(self._watches) - wanted:
            self._observer.unschedule(self._watches.pop(folder))
        for folder in wanted - set(self._watches):
            self._watches[folder] = self._observer.schedule(
                self._handler, str(folder), recursive=True
            )

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join(timeout=5)
