"""The dev server's builder: rebuilds on change into a fresh generation folder, keeps the
last good site, and makes the PDF in a separate process so the HTML never waits for it."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from planbuilder.build import DEFAULT_OUT, prepare, site_files
from planbuilder.compute import Report
from planbuilder.editions import editions
from planbuilder.output import OutputFiles
from planbuilder.paths import is_inside
from planbuilder.problems import Position, Problem, error, has_errors
from planbuilder.render.environment import make_environment
from planbuilder.serve.watch import ChangeQueue
from planbuilder.write import write_tree

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
    pdfs: tuple[tuple[str, bytes], ...] = ()  # (edition name, PDF), in edition order
    pdf_generation: int = 0  # the HTML generation the PDF was made from
    watched: tuple[Path, ...] = field(default=())


def _pdf_job(plan_dir: str, today: dt.date | None) -> tuple[list[tuple[str, bytes]], list[Problem]]:
    """Every edition's PDF, made in the worker process (WeasyPrint stays imported there)."""
    from planbuilder.render.pdf import render_pdf

    prepared = prepare(plan_dir, today=today)
    if not prepared.ok:
        return [], prepared.problems
    made, problems = [], []
    for edition in editions(prepared.report.plan):
        data, found = render_pdf(prepared.report, prepared.theme, edition, root=prepared.root)
        problems += found
        if data is not None:
            made.append((edition.name, data))
    return made, problems


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
    ):
        self.plan_dir = plan_dir.resolve()
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
        self._pool = None
        self._pdf_running = False
        self._pdf_dirty = False
        self._last: tuple[Report, OutputFiles] | None = None

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
        theme_dirs = self.state.watched[1:]
        if changed and any(is_inside(p, d) for p in changed for d in theme_dirs):
            make_environment.cache_clear()  # a new override template must be found
        prepared = prepare(self.plan_dir, today=self.today)
        problems = list(prepared.problems)
        files = None
        if prepared.ok:
            only = self._changed_sections(changed, prepared.report)
            files, found = site_files(
                prepared.report,
                prepared.theme,
                root=prepared.root,
                pdf_links=tuple(
                    (edition, f"{PDF_PATH}/{edition.name}")
                    for edition in editions(prepared.report.plan)
                )
                if self.pdf_enabled
                else (),
                only_sections=only,
                previous=self._last[1] if only is not None else None,
            )
            problems += found
        watched = (self.plan_dir, *(prepared.theme.layers if prepared.theme else ()))
        if files is None or has_errors(problems):
            self._last = None
            state = self._update(
                problems=tuple(problems), failed=True, attempts=attempts, watched=watched
            )
            self.log_problems(problems)
            errors = sum(p.is_error for p in problems)
            self.log(f"build failed: {errors} error(s); still serving the last good build")
            self._error_event(problems)
            return state
        generation = self.state.generation + 1
        target = self.work_dir / f"gen-{generation:05d}"
        try:
            write_tree(files, target)
        except OSError as exc:
            problem = error(f"cannot write the preview: {exc}", Position(target))
            self._error_event([problem])
            return self._update(problems=(problem,), failed=True, attempts=attempts)
        duration = time.perf_counter() - started
        # Reuse pages next time only from a build without problems of its own.
        self._last = (prepared.report, files) if not problems else None
        state = self._update(
            generation=generation,
            site_dir=target,
            problems=tuple(problems),
            failed=False,
            attempts=attempts,
            last_duration=duration,
            incremental=only is not None,
            watched=watched,
        )
        self._prune()
        if problems:
            self.log_problems(problems)
        self.log(f"rebuilt in {duration * 1000:.0f} ms")
        # Only stylesheets changed: pages can swap them in without a reload.
        css_only = bool(changed) and all(p.suffix == ".css" for p in changed)
        self.on_event({"type": "css" if css_only else "reload", "generation": generation})
        if self.pdf_enabled:
            self._schedule_pdf()
        return state

    def _changed_sections(self, changed: set[Path] | None, report: Report) -> set[str] | None:
        """Slugs whose pages alone need rendering, or ``None`` for a full render.

        Incremental only when nothing but section files changed and nothing but
        their bodies differs: a new title or order changes every page's navigation.
        """
        if not changed or self._last is None:
            return None
        sections_dir = self.plan_dir / "sections"
        if not all(p.suffix == ".md" and p.parent == sections_dir for p in changed):
            return None
        before = self._last[0]
        if _without_bodies(before) != _without_bodies(report):
            return None
        old = {s.slug: s.body for s in before.plan.sections}
        return {s.slug for s in report.plan.sections if old.get(s.slug) != s.body}

    def _prune(self) -> None:
        generations = sorted(self.work_dir.glob("gen-*"))
        for old in generations[:-KEEP_GENERATIONS]:
            shutil.rmtree(old, ignore_errors=True)

    def _error_event(self, problems: list[Problem]) -> None:
        found = [problem_json(p, self.plan_dir) for p in problems]
        self.on_event({"type": "error", "problems": found})

    # -- PDF in a separate process ---------------------------------------------
    def _schedule_pdf(self) -> None:
        with self._lock:
            if self._pdf_running:
                self._pdf_dirty = True
                return
            self._pdf_running = True
            generation = self._state.generation
        if self._pool is None:
            self._pool = multiprocessing.get_context("spawn").Pool(1)
        self._pool.apply_async(
            _pdf_job,
            (str(self.plan_dir), self.today),
            callback=lambda result: self._pdf_done(generation, *result),
            error_callback=lambda exc: self._pdf_done(
                generation, [], [error(f"PDF failed: {exc}", Position(self.plan_dir))]
            ),
        )

    def _pdf_done(
        self, generation: int, made: list[tuple[str, bytes]], problems: list[Problem]
    ) -> None:
        with self._lock:
            self._pdf_running = False
            again, self._pdf_dirty = self._pdf_dirty, False
        if made:
            self._update(pdfs=tuple(made), pdf_generation=generation)
            self.log(f"PDF ready ({', '.join(name for name, _ in made)})")
            self.on_event({"type": "pdf", "generation": generation})
        if again:
            self._schedule_pdf()

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
                message = f"internal error while building: {type(exc).__name__}: {exc}"
                problem = error(message, Position(self.plan_dir))
                self._update(problems=(problem,), failed=True)
                self.log(problem.format())
                self._error_event([problem])

    def stop(self) -> None:
        self.queue.close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


def _without_bodies(report: Report) -> Report:
    sections = tuple(replace(s, body="") for s in report.plan.sections)
    return replace(report, plan=replace(report.plan, sections=sections))


def problem_json(problem: Problem, root: Path) -> dict:
    position = problem.position
    try:
        name = str(Path(position.file).relative_to(root))
    except ValueError:
        name = str(position.file)
    return {
        "severity": problem.severity.value,
        "file": name,
        "line": position.line,
        "column": position.column,
        "message": problem.message,
        "hint": problem.hint,
    }
