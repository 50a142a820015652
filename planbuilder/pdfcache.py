"""PDF layouts: reused when nothing that feeds them changed, made in worker processes.

A PDF is keyed on exactly what is laid out: the print HTML already rendered, the
stylesheets, fonts and images it may load, the layout options and planbuilder's
version. Workers receive that same HTML as plain values (``render.layout.LayoutJob``)
and never read the plan again, so a file changed mid-build cannot leave a key that
does not match its PDF.

Reuse keys live where a plan cannot forge them: in the user's cache folder
(``$XDG_CACHE_HOME/planbuilder`` or ``~/.cache/planbuilder``), one record per output
folder, each entry holding the key and the SHA-256 of the PDF that was written. A PDF
is reused only when it is a regular file (not a symlink) in the output folder whose
bytes still match that record.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from planbuilder import __version__
from planbuilder.paths import user_cache_dir
from planbuilder.render.layout import LayoutJob, layout_pdf


@dataclass(frozen=True)
class PdfRequest:
    """One PDF to make: its file name, its edition, and the layout that makes it."""

    name: str  # output file name, e.g. ``company-plan-investor.pdf``
    edition: str
    label: str  # shown in progress messages
    job: LayoutJob
    key: str


@dataclass(frozen=True)
class MadePdf:
    name: str
    edition: str
    data: bytes
    key: str
    reused: bool  # taken from the cache, not laid out again


@dataclass(frozen=True)
class PdfOutcome:
    """The PDFs of one build, in edition order."""

    pdfs: tuple[MadePdf, ...] = ()

    @property
    def files(self) -> dict[str, bytes]:
        return {p.name: p.data for p in self.pdfs}

    @property
    def reused(self) -> list[str]:
        return [p.name for p in self.pdfs if p.reused]


def pdf_key(job: LayoutJob, inputs: Mapping[str, Path], paper: str | None) -> str:
    """A hash of everything that feeds a layout: the HTML, the stylesheets, the files it
    may load (``inputs``: name → path), the options and planbuilder's version."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}|{paper}|{job.pdf_variant}|".encode())
    digest.update(job.html.encode("utf-8"))
    files = {f"stylesheet:{i}": Path(p) for i, p in enumerate(job.stylesheets)} | dict(inputs)
    for name, path in sorted(files.items()):
        digest.update(b"\0" + name.encode() + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()


# -- where reuse keys live -----------------------------------------------------------


class PdfCache(Protocol):
    def get(self, name: str, key: str) -> bytes | None: ...

    def put(self, name: str, key: str, data: bytes) -> None: ...


class MemoryCache:
    """The latest PDF of each name, kept in memory (the dev server's previews)."""

    def __init__(self) -> None:
        self._pdfs: dict[str, tuple[str, bytes]] = {}

    def get(self, name: str, key: str) -> bytes | None:
        found = self._pdfs.get(name)
        return found[1] if found is not None and found[0] == key else None

    def put(self, name: str, key: str, data: bytes) -> None:
        self._pdfs[name] = (key, data)


class FolderCache:
    """PDFs already in an output folder, reused when the user's own record of what was
    written there (outside the plan, out of its reach) still matches."""

    def __init__(self, folder: Path):
        self.folder = Path(os.path.abspath(folder))
        name = hashlib.sha256(str(self.folder).encode()).hexdigest()[:32]
        self.record_path = user_cache_dir() / "pdf-keys" / f"{name}.json"

    def _records(self) -> dict:
        try:
            found = json.loads(self.record_path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(found, dict) or found.get("folder") != str(self.folder):
            return {}
        entries = found.get("pdfs")
        return entries if isinstance(entries, dict) else {}

    def get(self, name: str, key: str) -> bytes | None:
        entry = self._records().get(name)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        data = read_regular_file(self.folder, name)
        if data is None or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            return None
        return data

    def put(self, name: str, key: str, data: bytes) -> None:
        """Record a PDF just written to the folder (call only after the write)."""
        entries = self._records()
        entries[name] = {"key": key, "sha256": hashlib.sha256(data).hexdigest()}
        record = {"folder": str(self.folder), "pdfs": entries}
        # Without a cache folder PDFs are laid out again next time, nothing worse.
        with contextlib.suppress(OSError):
            _write_private(self.record_path, json.dumps(record, indent=2, sort_keys=True))


def read_regular_file(folder: Path, name: str) -> bytes | None:
    """The bytes of ``folder/name`` when it is a regular file directly in a folder that
    is not a symlink itself; ``None`` for links, devices, FIFOs or anything missing."""
    if "/" in name or name in ("", ".", ".."):
        return None
    path = folder / name
    try:
        if os.path.islink(folder):
            return None
        before = os.lstat(path)
        if not stat.S_ISREG(before.st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            return None  # replaced between the check and the open
        return handle.read()


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# -- worker processes ------------------------------------------------------------------


class LayoutCancelled(Exception):
    """A layout was stopped before it finished (its process was ended)."""


def _worker_main(connection) -> None:
    """A layout process: WeasyPrint is imported at once (so the first job does not wait
    for it), then each job received is laid out, sending ``("page", n)`` as pages are
    laid out and ``("done", pdf)`` or ``("error", exception)``; ``None`` ends it."""
    import signal

    # Ctrl-C is for the parent, which ends its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import weasyprint  # noqa: F401

    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if job is None:
            return
        try:
            data = layout_pdf(job, lambda page: connection.send(("page", page)))
        except Exception as exc:
            connection.send(("error", _picklable(exc)))
        else:
            connection.send(("done", data))


def _picklable(exc: Exception) -> Exception:
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


class LayoutWorker:
    """One child process that lays out PDFs, one at a time, WeasyPrint kept imported
    between jobs. ``cancel()`` ends a layout under way by ending the process: WeasyPrint
    has no way to stop a layout, a process can always be stopped. The next job starts a
    fresh process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process = None
        self._connection = None
        self._running = False

    def start(self) -> None:
        """Start the process now (it imports WeasyPrint while the caller does other work)."""
        with self._lock:
            self._ensure()

    @property
    def started(self) -> bool:
        return self._process is not None

    def _ensure(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_worker_main, args=(theirs,), name="planbuilder-layout", daemon=True
        )
        process.start()
        theirs.close()
        self._process, self._connection = process, ours

    def run(self, job: LayoutJob, on_page: Callable[[int], None] | None = None) -> bytes:
        """Lay out ``job`` in the process; ``LayoutCancelled`` when ``cancel()`` ended it."""
        with self._lock:
            self._ensure()
            process, connection = self._process, self._connection
            self._running = True
        try:
            connection.send(job)
            while True:
                try:
                    kind, value = connection.recv()
                except (EOFError, OSError):
                    if self._process is not process:
                        raise LayoutCancelled() from None
                    raise RuntimeError("the layout process stopped unexpectedly") from None
                if kind == "page":
                    if on_page is not None:
                        on_page(value)
                elif kind == "done":
                    return value
                else:
                    raise value
        finally:
            with self._lock:
                self._running = False
                ended = self._process is not process
            if ended:
                connection.close()
                process.join()

    def cancel(self) -> bool:
        """End the layout under way, if any; whether one was ended."""
        with self._lock:
            if not self._running or self._process is None:
                return False
            process, self._process, self._connection = self._process, None, None
        process.terminate()
        return True

    def close(self, *, terminate: bool = False) -> None:
        """End the process: at once with ``terminate``, else once its job is done."""
        with self._lock:
            process, connection = self._process, self._connection
            self._process = self._connection = None
        if process is None:
            return
        if terminate:
            process.terminate()
        else:
            with contextlib.suppress(OSError, ValueError):
                connection.send(None)
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
            process.join()
        connection.close()


class LayoutPool:
    """Worker processes that lay out PDFs; WeasyPrint stays imported in them between jobs.

    WeasyPrint is single-threaded Python, so editions are laid out in parallel processes.
    Each worker sends back the pages it lays out (``submit(job, on_page)``), and a layout
    under way can be ended (``cancel(future)``).
    """

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._lock = threading.Lock()
        self._idle: list[LayoutWorker] = [LayoutWorker() for _ in range(self.workers)]
        self._all = list(self._idle)
        self._running: dict[Future, LayoutWorker] = {}
        self._executor = None

    def start(self, count: int | None = None) -> None:
        """Start ``count`` worker processes now (default all): they import WeasyPrint
        while the caller checks the plan and renders the print documents."""
        for worker in self._all[:count]:
            worker.start()

    def submit(self, job: LayoutJob, on_page: Callable[[int], None] | None = None) -> Future:
        future: Future = Future()
        with self._lock:
            if self._executor is None:
                from concurrent.futures import ThreadPoolExecutor

                self._executor = ThreadPoolExecutor(self.workers, "planbuilder-layout")
            self._executor.submit(self._run, future, job, on_page)
        return future

    def _run(self, future: Future, job: LayoutJob, on_page) -> None:
        if not future.set_running_or_notify_cancel():
            return
        with self._lock:
            worker = next((w for w in self._idle if w.started), self._idle[0])
            self._idle.remove(worker)
            self._running[future] = worker
        try:
            data = worker.run(job, on_page)
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(data)
        finally:
            with self._lock:
                del self._running[future]
                self._idle.append(worker)

    def cancel(self, future: Future) -> None:
        """Drop a layout not yet started, or end one under way (``LayoutCancelled``)."""
        if future.cancel():
            return
        with self._lock:
            worker = self._running.get(future)
        if worker is not None:
            worker.cancel()

    def close(self, *, terminate: bool = False) -> None:
        """Stop the workers; with ``terminate`` a layout under way is abandoned."""
        with self._lock:
            executor, self._executor = self._executor, None
            running = list(self._running)
        if terminate:
            for future in running:
                self.cancel(future)
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        for worker in self._all:
            worker.close(terminate=terminate)


class PdfRun:
    """The PDFs of one build: done at once, or still being laid out in the background."""

    def __init__(
        self,
        requests: Sequence[PdfRequest],
        made: Mapping[str, Future],
        reused: set[str],
        pool: LayoutPool | None = None,
    ):
        self._requests = list(requests)
        self._pool = pool  # where layouts under way are ended on ``cancel()``
        self._made = dict(made)  # file name → future bytes
        self._reused = reused
        self._future: Future = Future()
        self._pending = len(self._made)
        self._lock = threading.Lock()
        if not self._made:
            self._finish()
        for future in self._made.values():
            future.add_done_callback(self._one_done)

    def _one_done(self, _future: Future) -> None:
        with self._lock:
            self._pending -= 1
            last = self._pending == 0
        if last:
            self._finish()

    def _finish(self) -> None:
        for future in self._made.values():
            if future.cancelled():
                self._future.cancel()
                return
        if not self._future.set_running_or_notify_cancel():
            return  # cancelled meanwhile
        pdfs = []
        for request in self._requests:
            future = self._made[request.name]
            error = future.exception()
            if error is not None:
                self._future.set_exception(error)
                return
            data, reused = future.result(), request.name in self._reused
            pdfs.append(MadePdf(request.name, request.edition, data, request.key, reused))
        self._future.set_result(PdfOutcome(tuple(pdfs)))

    def done(self) -> bool:
        return self._future.done()

    def cancelled(self) -> bool:
        return self._future.cancelled()

    def result(self, timeout: float | None = None) -> PdfOutcome:
        """Wait for every PDF; raises what a failed layout raised."""
        return self._future.result(timeout)

    def add_done_callback(self, callback: Callable[[PdfRun], None]) -> None:
        """Call ``callback(run)`` once every PDF is made (at once when already done)."""
        self._future.add_done_callback(lambda _future: callback(self))

    def cancel(self) -> None:
        """Drop layouts not yet started and end those under way; the run then counts as
        cancelled."""
        self._future.cancel()
        for future in self._made.values():
            if self._pool is not None:
                self._pool.cancel(future)
            else:
                future.cancel()


def _done(data: bytes | None = None, error: BaseException | None = None) -> Future:
    future: Future = Future()
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(data)
    return future


#: Between a phase and its detail in a progress message ("laying out … · page 3"): a
#: terminal shows each detail in place; elsewhere only the phase is shown, once.
PAGE_SEPARATOR = " · "


def lay_out(
    requests: Sequence[PdfRequest],
    *,
    cache: PdfCache | None = None,
    pool: LayoutPool | None = None,
    background: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> PdfRun:
    """Make every requested PDF, taking from ``cache`` those whose key it holds.

    The rest are laid out in ``pool`` (or, for several PDFs on several cores, in a pool
    made for this run) or else here, one after the other. With ``background`` the run
    is returned at once and finishes on its own; a pool is then always used. Each PDF is
    a phase of ``progress`` ("laying out the PDF: …"), followed by its pages as they are
    laid out ("… · page n"), from worker processes too.
    """
    made: dict[str, Future] = {}
    reused: set[str] = set()
    todo = []
    for request in requests:
        data = cache.get(request.name, request.key) if cache is not None else None
        if data is not None:
            made[request.name] = _done(data)
            reused.add(request.name)
        else:
            todo.append(request)
    if not todo:
        return PdfRun(requests, made, reused)
    parallel = len(todo) > 1 and (os.cpu_count() or 1) > 1
    if pool is None and not background and not parallel:
        for number, request in enumerate(todo, 1):
            on_page = _page_progress(progress, request, number, len(todo))
            try:
                made[request.name] = _done(layout_pdf(request.job, on_page))
            except Exception as exc:
                made[request.name] = _done(error=exc)
        return PdfRun(requests, made, reused)
    own = pool is None
    if own:
        pool = LayoutPool(min(len(todo), os.cpu_count() or 1))
    for number, request in enumerate(todo, 1):
        # Every edition's phase first: a terminal gives each its own line to count on.
        on_page = _page_progress(progress, request, number, len(todo))
        made[request.name] = pool.submit(request.job, on_page)
    run = PdfRun(requests, made, reused, pool)
    if own:
        if background:
            # Close the pool once its work is done, without holding up the caller.
            def close_when_done() -> None:
                _wait_quietly(run)
                pool.close()

            threading.Thread(target=close_when_done, name="planbuilder-pdf", daemon=True).start()
        else:
            _wait_quietly(run)
            pool.close()
    return run


def _page_progress(
    progress: Callable[[str], None], request: PdfRequest, number: int, count: int
) -> Callable[[int], None]:
    """Announce the layout of ``request``; what reports its pages."""
    phase = f"laying out the PDF: {request.label} ({number}/{count})"
    progress(phase)

    def on_page(page: int) -> None:
        progress(f"{phase}{PAGE_SEPARATOR}page {page}")

    return on_page


def _wait_quietly(run: PdfRun) -> None:
    # The caller asks the run for its result and sees any error there.
    with contextlib.suppress(BaseException):
        run.result()
