"""The dev server's builder: rebuilds on change into a fresh generation folder, keeps the
last good site, and hands each good build to the PDF previews (``previews``), which lay
out the edition being previewed in a separate process: the HTML never waits for it."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from planbuilder import load
from planbuilder.build import DEFAULT_OUT, BuildResult, build
from planbuilder.diagnostics import overlay_html, problem_json, problem_text
from planbuilder.problems import Position, Problem, error
from planbuilder.serve.previews import PdfPreviews
from planbuilder.serve.watch import ChangeQueue

#: Generation folders kept around, so a page being served while a new build
#: lands can still load its stylesheet and images.
KEEP_GENERATIONS = 3
PDF_PATH = "_pdf"


@dataclass(frozen=True)
class LiveState:
    """What the server shows: the last good site, and the latest attempt's problems."""

    generation: int = 0  # count of successful builds
    site_dir: Path | None = None
    problems: tuple[Problem, ...] = ()
    failed: bool = False
    attempts: int = 0
    last_duration: float = 0.0
    incremental: bool = False  # the last good build rendered only changed section pages
    pdf_generation: int = 0  # the build the latest PDF preview was made from
    watched: tuple[Path, ...] = field(default=())


class LiveBuilder:
    """Builds the plan on demand and on change; thread-safe state for the HTTP side."""

    def __init__(
        self,
        plan_dir: Path,
        work_dir: Path,
        *,
        pdf: bool = True,
        today: dt.date | None = None,
        on_event: Callable[[dict], None] = lambda event: None,
        log: Callable[[str], None] = lambda line: None,
        log_problems: Callable[[list[Problem]], None] = lambda problems: None,
        limits: load.Limits = load.DEFAULT_LIMITS,
    ):
        self.plan_dir = plan_dir.resolve()
        self.limits = limits
        self.work_dir = work_dir
        self.pdf_enabled = pdf
        self.today = today
        self.on_event = on_event
        self.log = log
        self.log_problems = log_problems
        self.queue = ChangeQueue()
        self._lock = threading.Lock()
        self._state = LiveState()
        self._thread: threading.Thread | None = None
        # One layout at a time, of the edition previewed: the site rebuilds keep a core.
        self.previews = PdfPreviews(on_ready=self._pdf_ready, log=log) if pdf else None
        self._last: BuildResult | None = None
        # Each save changes one file: the others need not be parsed again.
        if load.parse_cache is None:
            load.parse_cache = load.ParseCache()

    # -- state -----------------------------------------------------------------
    @property
    def state(self) -> LiveState:
        with self._lock:
            return self._state

    def _update(self, **changes) -> LiveState:
        with self._lock:
            self._state = replace(self._state, **changes)
            return self._state

    @property
    def output_dir(self) -> Path:
        """Where ``planbuilder build`` writes: watched changes there are ignored."""
        return self.plan_dir / DEFAULT_OUT

    # -- building --------------------------------------------------------------
    def build(self, changed: set[Path] | None = None) -> LiveState:
        """One build: on success a new generation becomes current; on failure the last
        good one stays, and the problems are kept for the overlay."""
        started = time.perf_counter()
        attempts = self.state.attempts + 1
        generation = self.state.generation + 1
        result = build(
            self.plan_dir,
            self.work_dir / f"gen-{generation:05d}",
            pdf=self.pdf_enabled,
            pdf_href=f"{PDF_PATH}/{{edition}}",
            today=self.today,
            previous=self._last,
            changed=changed,
            pdf_later=True,
            limits=self.limits,
        )
        problems = result.problems
        watched = (self.plan_dir, *(result.theme.layers if result.theme else ()))
        if result.site_dir is None:
            self._last = None
            state = self._update(
                problems=tuple(problems), failed=True, attempts=attempts, watched=watched
            )
            self.log_problems(problems)
            errors = sum(p.is_error for p in problems)
            serving = (
                "still serving the last good build"
                if self.state.site_dir is not None
                else "nothing to serve until it builds"
            )
            self.log(f"build failed: {errors} error(s); {serving}")
            self._error_event(problems)
            return state
        duration = time.perf_counter() - started
        self._last = result
        state = self._update(
            generation=generation,
            site_dir=result.site_dir,
            problems=tuple(problems),
            failed=False,
            attempts=attempts,
            last_duration=duration,
            incremental=result.incremental,
            watched=watched,
        )
        if problems:
            self.log_problems(problems)
        self.log(f"rebuilt in {duration * 1000:.0f} ms")
        # Only stylesheets changed: pages can swap them in without a reload.
        css_only = bool(changed) and all(p.suffix == ".css" for p in changed)
        self.on_event({"type": "css" if css_only else "reload", "generation": generation})
        self._prune()  # after the reload: deleting a large old generation takes a while
        if self.previews is not None:
            self.previews.update(generation, result)
        return state

    def _prune(self) -> None:
        generations = sorted(self.work_dir.glob("gen-*"))
        for old in generations[:-KEEP_GENERATIONS]:
            shutil.rmtree(old, ignore_errors=True)

    def _error_event(self, problems: list[Problem]) -> None:
        found = [problem_json(p) for p in problems]
        built = self.state.site_dir is not None
        overlay = overlay_html(problems, built=built)
        self.on_event({"type": "error", "problems": found, "overlay": overlay})

    # -- PDF previews ----------------------------------------------------------
    def _pdf_ready(self, edition: str, generation: int) -> None:
        with self._lock:
            if generation > self._state.pdf_generation:
                self._state = replace(self._state, pdf_generation=generation)
        self.on_event({"type": "pdf", "generation": generation, "edition": edition})

    # -- the background loop ---------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="planbuilder-builder", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            changed = self.queue.wait()
            if changed is None:
                return
            try:
                self.build(changed)
            except Exception as exc:  # keep serving: a bug must not kill the preview
                message = f"internal error, please report it ({type(exc).__name__}: {exc})"
                hint = "a bug in planbuilder, not in the plan; still serving the last good build"
                problem = error(message, Position(self.plan_dir), hint=hint)
                self._last = None  # nothing of a half-done build is reused
                self.log(problem_text(problem))  # before the state says so: no race
                self._update(problems=(problem,), failed=True)
                self._error_event([problem])

    def stop(self) -> None:
        self.queue.close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.previews is not None:
            self.previews.close()
