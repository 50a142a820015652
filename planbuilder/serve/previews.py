"""The dev server's PDF previews: only the edition being previewed is laid out again.

The edition previewed is the one whose PDF the browser asked for last. After each good
build its print document is rendered and keyed in the background; when the key changed,
it is laid out in a child process (``pdfcache.LayoutWorker``). A newer build whose print
document differs ends a layout under way by ending that process. Other editions are laid
out only when asked for. The site never waits for any of this: builds only hand their
result over (``update``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from planbuilder.build import BuildResult, pdf_request, select_editions
from planbuilder.diagnostics import problem_text
from planbuilder.pdfcache import LayoutCancelled, LayoutWorker, PdfRequest


@dataclass
class Layout:
    """One layout the dev server started, and how it ended."""

    edition: str
    generation: int  # the build whose print document is laid out
    key: str
    outcome: str = "running"  # running, done, cancelled, failed

    def as_json(self) -> dict:
        return {"edition": self.edition, "generation": self.generation, "outcome": self.outcome}


@dataclass(frozen=True)
class Preview:
    """The answer to a PDF request: the PDF of the current sources, or why there is none."""

    data: bytes | None = None
    pending: bool = False  # still being laid out
    problem: str | None = None  # the print document could not be made


@dataclass
class _Keyed:
    generation: int
    request: PdfRequest | None
    problems: str = ""


class PdfPreviews:
    """Lays out the previewed edition after each build, in the background."""

    def __init__(
        self,
        *,
        on_ready: Callable[[str, int], None] = lambda edition, generation: None,
        log: Callable[[str], None] = lambda line: None,
    ):
        self.on_ready = on_ready
        self.log = log
        self._worker = LayoutWorker()
        self._changed = threading.Condition()
        self._build: BuildResult | None = None
        self._generation = 0
        self._editions: tuple[str, ...] = ()
        self._previewed: str | None = None
        self._keyed: dict[str, _Keyed] = {}  # edition → its print document, keyed
        self._made: dict[str, tuple[str, bytes]] = {}  # edition → (key, PDF)
        self._running: Layout | None = None
        self._cancelling = False
        self.layouts: list[Layout] = []  # every layout started, oldest first
        self._closing = False
        self._thread = threading.Thread(target=self._loop, name="planbuilder-pdf", daemon=True)
        self._thread.start()

    # -- from the builder and the HTTP side ----------------------------------------
    def update(self, generation: int, result: BuildResult) -> None:
        """A good build is now current (returns at once)."""
        names = ()
        if result.report is not None and result.theme is not None:
            names = tuple(e.name for e in select_editions(result.report, result.theme, None))
        with self._changed:
            self._build, self._generation, self._editions = result, generation, names
            self._changed.notify_all()

    def get(self, edition: str | None, wait: float) -> Preview:
        """The current PDF of ``edition`` (default: the first), which becomes the edition
        previewed; waits up to ``wait`` seconds for its layout. ``KeyError``: no such
        edition. Never a PDF of older sources: ``pending`` until the current one is made."""
        deadline = time.monotonic() + wait
        with self._changed:
            if self._build is None:
                return Preview(pending=True)
            edition = edition or self._editions[0]
            if edition not in self._editions:
                raise KeyError(edition)
            if self._previewed != edition:
                self._previewed = edition
                self._changed.notify_all()
            while True:
                keyed = self._keyed.get(edition)
                if keyed is not None and keyed.generation == self._generation:
                    if keyed.request is None:
                        return Preview(problem=keyed.problems)
                    made = self._made.get(edition)
                    if made is not None and made[0] == keyed.request.key:
                        return Preview(data=made[1])
                    failed = self._failed(edition, keyed.request.key)
                    if failed:
                        return Preview(problem=failed)
                left = deadline - time.monotonic()
                if left <= 0 or self._closing:
                    return Preview(pending=True)
                self._changed.wait(left)

    def status(self) -> dict:
        with self._changed:
            return {
                "previewed": self._previewed,
                "layouts": [layout.as_json() for layout in self.layouts],
            }

    def close(self) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._worker.close(terminate=True)
        self._thread.join(timeout=10)

    # -- the background loop -------------------------------------------------------
    def _failed(self, edition: str, key: str) -> str | None:
        for layout in reversed(self.layouts):
            if layout.edition == edition and layout.key == key and layout.outcome == "failed":
                return "the layout failed; see the terminal"
        return None

    def _next(self) -> tuple[str, str | None, int, BuildResult | None] | None:
        """What to do for the edition previewed: ("render", …) its print document for
        the current build, ("lay out", key, …) when its PDF is not that key's, or nothing.
        Ends a layout that is no longer wanted on the way."""
        edition = self._previewed
        if edition is None or self._build is None:
            return None
        if edition not in self._editions:  # renamed or removed since it was asked for
            if self._running is not None and not self._cancelling:
                self._cancelling = True
                self._worker.cancel()
            return None
        keyed = self._keyed.get(edition)
        current = keyed is not None and keyed.generation == self._generation
        wanted = keyed.request.key if current and keyed.request is not None else None
        running = self._running
        if running is not None and not self._cancelling:
            stale = running.edition != edition or (current and running.key != wanted)
            if stale:
                self._cancelling = True
                if self._worker.cancel():
                    self._worker.start()  # the next layout's process imports WeasyPrint now
        if not current:
            return ("render", None, self._generation, self._build)
        if wanted is None or self._failed(edition, wanted):
            return None
        made = self._made.get(edition)
        if made is not None and made[0] == wanted:
            return None
        if running is not None:
            if running.edition == edition and running.key == wanted:
                running.generation = self._generation  # the same document: let it finish
            return None  # wait for it to finish or to end
        return ("lay out", wanted, self._generation, self._build)

    def _loop(self) -> None:
        while True:
            with self._changed:
                while not self._closing and (step := self._next()) is None:
                    self._changed.wait()
                if self._closing:
                    return
                edition = self._previewed
                keyed = self._keyed.get(edition)
            action, _key, generation, build = step
            if action == "render":
                self._render(edition, generation, build)
            else:
                self._start(edition, generation, keyed.request)

    def _render(self, edition: str, generation: int, build: BuildResult) -> None:
        try:
            request, problems = pdf_request(build, edition)
        except Exception as exc:  # a bug, not the plan: keep previewing the site
            request, problems = None, []
            text = f"internal error, please report it ({type(exc).__name__}: {exc})"
        else:
            text = "\n".join(problem_text(p) for p in problems if p.is_error)
        if request is None:
            self.log(f"PDF not made ({edition}): {text}")
        with self._changed:
            if generation == self._generation:
                self._keyed[edition] = _Keyed(generation, request, text)
            self._changed.notify_all()

    def _start(self, edition: str, generation: int, request: PdfRequest) -> None:
        layout = Layout(edition, generation, request.key)
        with self._changed:
            self._running = layout
            self.layouts.append(layout)
        threading.Thread(
            target=self._lay_out, args=(layout, request), name="planbuilder-layout", daemon=True
        ).start()

    def _lay_out(self, layout: Layout, request: PdfRequest) -> None:
        data = None
        try:
            data = self._worker.run(request.job)
            outcome = "done"
        except LayoutCancelled:
            outcome = "cancelled"
        except Exception as exc:
            outcome = "failed"
            if not self._closing:
                self.log(f"PDF failed ({layout.edition}): {type(exc).__name__}: {exc}")
        with self._changed:
            layout.outcome = outcome
            self._running, self._cancelling = None, False
            if data is not None:
                self._made[layout.edition] = (layout.key, data)
            generation = layout.generation
            self._changed.notify_all()
        if outcome == "cancelled":
            self.log(f"PDF layout of {layout.edition} stopped: the sources changed")
        elif data is not None:
            self.log(f"PDF ready ({layout.edition})")
            self.on_ready(layout.edition, generation)
