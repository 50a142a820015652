"""planbuilder's benchmarks: each measure next to its reference from the same run.

Run: python benchmarks/run.py [--quick] [--only NAME ...]
(install the references first: pip install -e '.[bench]'). Prints one table; asserts
nothing. Names: sample, large, scaling, incremental, pdf, reload. ``--quick`` makes
smaller plans and fewer repeats, for a sanity run of a minute or two.

Builds run as whole processes (wall time, CPU time and peak memory of the child);
incremental builds and reloads run in this process, as the dev server does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_large_plan import SAMPLE, make_large_plan  # noqa: E402

PY = sys.executable
TODAY = dt.date(2026, 10, 31)


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child
    peak_mib: float  # the child's maximum resident set


class Failed(Exception):
    """A measured command did not succeed; the message says why."""


def run(args: list[str], cwd: Path | None = None) -> Run:
    """Run a child process to its end; its own resource use, from ``wait4``."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            lines = [x for x in err.read().decode().splitlines() if "error" in x]
            raise Failed((lines or [f"exit status {child.returncode}"])[0][-160:])
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def best(args: list[str], repeat: int, cwd: Path | None = None) -> Run:
    """The median of ``repeat`` runs (by wall time; peak memory is the largest)."""
    runs = [run(args, cwd) for _ in range(repeat)]
    middle = sorted(runs, key=lambda r: r.wall)[len(runs) // 2]
    return Run(middle.wall, middle.cpu, max(r.peak_mib for r in runs))


def pb_build(plan: Path, out: Path, *extra: str) -> list[str]:
    return [PY, "-m", "planbuilder", "build", "--no-pdf", str(plan), "-o", str(out), *extra]


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, measure: str, value: str, reference: str, ref_value: str, ratio: str) -> None:
        self.rows.append((measure, value, reference, ref_value, ratio))
        print(f"  {measure}: {value}  vs {reference}: {ref_value}  ({ratio})", flush=True)

    def print(self) -> None:
        head = ("measure", "value", "reference", "reference value", "ratio")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(5)]
        line = " | ".join
        print()
        print(line(h.ljust(w) for h, w in zip(head, widths, strict=True)))
        print("-+-".join("-" * w for w in widths))
        for row in self.rows:
            print(line(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def secs(r: Run) -> str:
    return f"{r.wall:.2f} s (cpu {r.cpu:.2f} s, {r.peak_mib:.0f} MiB)"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def ratios(a: Run, b: Run) -> str:
    """Wall-clock ratio, and CPU ratio (steadier on a shared machine)."""
    return f"{ratio(a.wall, b.wall)} (cpu {ratio(a.cpu, b.cpu)})"


# -- 1. the sample plan, whole process ----------------------------------------------------
def bench_sample(table: Table, tmp: Path, repeat: int) -> None:
    plan = tmp / "sample"
    shutil.copytree(SAMPLE, plan, ignore=shutil.ignore_patterns("_build"))
    empty = best([PY, "-c", "pass"], repeat)
    made = best(pb_build(plan, tmp / "sample-out"), repeat)
    table.add("sample build --no-pdf", secs(made), "python -c pass", secs(empty), "target < 0.5 s")


# -- 2. the large plan against the floor and MkDocs ----------------------------------------
def mkdocs_project(plan: Path, folder: Path) -> Path:
    """The same pages as an MkDocs project: the chapters, and the milestones and KPIs as
    one Markdown table each, a row per item and a cell per value, as ``floor.py`` renders
    them (without those two pages MkDocs would build less than the floor and planbuilder)."""
    import yaml

    docs = folder / "docs"
    docs.mkdir(parents=True)
    for path in sorted((plan / "sections").glob("*.md")):
        text = path.read_text()
        if text.startswith("---\n"):
            text = text[4:].split("\n---\n", 1)[1]
        (docs / path.name).write_text(text)
    for name in ("milestones", "kpis"):
        items = yaml.load((plan / f"{name}.yaml").read_text(), Loader=yaml.CSafeLoader)
        keys = list(dict.fromkeys(key for item in items for key in item))
        cell = lambda value: str(value).replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines = [f"# {name}", "", f"| {' | '.join(keys)} |", "|---" * len(keys) + "|"]
        lines += [f"| {' | '.join(cell(i.get(k, '')) for k in keys)} |" for i in items]
        (docs / f"{name}.md").write_text("\n".join(lines) + "\n")
    (docs / "index.md").write_text("# Plan\n")
    (folder / "mkdocs.yml").write_text("site_name: Plan\nmarkdown_extensions: [tables]\n")
    return folder


def bench_large(table: Table, tmp: Path, chapters: int, milestones: int, repeat: int) -> None:
    plan = make_large_plan(tmp / "large", chapters, milestones)
    what = f"large plan ({chapters} chapters, {milestones} milestones)"
    made = best(pb_build(plan, tmp / "large-out"), repeat)
    floor = best([PY, str(HERE / "floor.py"), str(plan), str(tmp / "floor-out")], repeat)
    table.add(what, secs(made), "floor (markdown-it + Jinja)", secs(floor), ratios(made, floor))
    if shutil.which("mkdocs") or _has("mkdocs"):
        project = mkdocs_project(plan, tmp / "mkdocs")
        mk = best([PY, "-m", "mkdocs", "build", "-q", "-d", str(tmp / "mk-out")], repeat, project)
        faster = f"{mk.wall / made.wall:.1f}× faster (cpu {mk.cpu / made.cpu:.1f}×; target ≥ 5×)"
        table.add(what, secs(made), "MkDocs", secs(mk), faster)
    else:
        table.add(what, secs(made), "MkDocs", "not installed (pip install -e '.[bench]')", "–")
    table.add(
        f"{what}: output",
        f"{size(tmp / 'large-out') / 2**20:.1f} MiB",
        "floor output",
        f"{size(tmp / 'floor-out') / 2**20:.1f} MiB",
        ratio(size(tmp / "large-out"), size(tmp / "floor-out")),
    )


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# -- 3. scaling ------------------------------------------------------------------------------
def _limit_options(plan: Path) -> list[str]:
    """``--max-file-mib`` for a plan whose files exceed the loader's default limits (5 MiB,
    200,000 values a file): 50,000 milestones are 6.5 MiB and 442,000 values, which take
    12 MiB's worth of values (40,000 a MiB). The generated plan is trusted."""
    largest = max(p.stat().st_size for p in plan.glob("*.yaml"))
    if largest <= 2 * 2**20:  # 5,000 milestones are 0.6 MiB, 52,000 values
        return []
    return ["--max-file-mib", str(2 * math.ceil(largest / 2**20))]


def bench_scaling(table: Table, tmp: Path, quick: bool) -> None:
    series = {
        "milestones": [500, 5000] if quick else [500, 5000, 50000],
        "chapters": [100, 1000] if quick else [100, 1000, 5000],
    }
    for what, counts in series.items():
        before: tuple[int, Run, int] | None = None
        for count in counts:
            kwargs = {"chapters": 10, "milestones": 50, what: count}
            plan = make_large_plan(tmp / f"scale-{what}-{count}", **kwargs)
            out = tmp / f"scale-{what}-{count}-out"
            try:
                made = run(pb_build(plan, out, *_limit_options(plan)))
            except Failed as exc:
                table.add(f"scaling: {count} {what}", "failed", "–", str(exc), "–")
                break
            bytes_ = size(out)
            value = f"{secs(made)}, {bytes_ / 2**20:.1f} MiB"
            if before is None:
                table.add(f"scaling: {count} {what}", value, "–", "–", "–")
            else:
                n, r, b = before
                factor = count / n
                table.add(
                    f"scaling: {count} {what}",
                    value,
                    f"{n} {what}",
                    f"{r.cpu:.2f} s cpu, {b / 2**20:.1f} MiB",
                    f"{factor:.0f}× input: cpu {made.cpu / r.cpu:.1f}×, "
                    f"size {bytes_ / b:.1f}× (target ≤ {1.2 * factor:.0f}×)",
                )
            before = (count, made, bytes_)


# -- 4. incremental rebuilds in the dev server's way ----------------------------------------
def bench_incremental(table: Table, tmp: Path, chapters: int, milestones: int) -> None:
    from planbuilder import load
    from planbuilder.build import build

    load.parse_cache = load.ParseCache()  # as the dev server does
    plan = tmp / "incremental"
    if not plan.exists():
        make_large_plan(plan, chapters, milestones)
    out = tmp / "incremental-out"
    generations = iter(range(1, 100))

    def timed(**kwargs):
        # Each build into a new generation folder, as the dev server does.
        gen = out / f"gen-{next(generations):05d}"
        wall, cpu = time.perf_counter(), time.process_time()
        result = build(plan, gen, pdf=False, today=TODAY, **kwargs)
        assert result.ok, result.errors[:3]
        return Run(time.perf_counter() - wall, time.process_time() - cpu, 0), result

    full, last = timed()
    full, last = timed()  # warm, as in a running dev server
    section = sorted((plan / "sections").glob("chapter-*.md"))[chapters // 2]
    edits = [
        ("one chapter", section, "Part one", "Part one, revised"),
        ("one milestone", plan / "milestones.yaml", "Milestone number 7\n", "Milestone seven\n"),
        ("one KPI value", plan / "kpis.yaml", ": 100.5\n", ": 101.5\n"),
    ]
    for name, path, old, new in edits:
        path.write_text(path.read_text().replace(old, new, 1))
        took, last = timed(previous=last, changed={path})
        how = "incremental" if last.incremental else "full"
        table.add(
            f"dev rebuild after editing {name}",
            f"{took.wall:.2f} s, cpu {took.cpu:.2f} s ({how})",
            "full build",
            f"{full.wall:.2f} s, cpu {full.cpu:.2f} s",
            f"{took.wall / full.wall:.2f}× (cpu {took.cpu / full.cpu:.2f}×; target ≤ 0.3×)",
        )


# -- 5. PDFs ------------------------------------------------------------------------------------
def bench_pdf(table: Table, tmp: Path, quick: bool) -> None:
    """Each edition of the sample: ``planbuilder pdf`` as a whole process against the
    ``weasyprint`` command on the print document planbuilder lays out, with the same
    stylesheets, base folder and options (tags, identifier). Both are cold processes that
    import what they need; both write a file. The two PDFs must be byte-identical, or the
    comparison is not of the same work."""
    from planbuilder.build import build, prepare
    from planbuilder.editions import editions
    from planbuilder.render.pdf import layout_job, print_html

    plan = tmp / "pdf-sample"
    shutil.copytree(SAMPLE, plan, ignore=shutil.ignore_patterns("_build"))
    prepared = prepare(plan)
    report, theme = prepared.report, prepared.theme
    repeat = 1 if quick else 3
    chosen = editions(report.plan, theme)[: 1 if quick else None]
    for edition in chosen:
        html, _ = print_html(report, theme, edition, None, root=plan)
        job, _ = layout_job(html, report, theme, plan)
        source = tmp / f"pdf-{edition.name}.html"
        source.write_text(html, "utf-8")
        identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32]
        reference = [PY, "-m", "weasyprint", "-u", job.base.rstrip("/") + "/", "--pdf-tags"]
        reference += ["--pdf-identifier", identifier]
        for stylesheet in job.stylesheets:
            reference += ["-s", stylesheet]
        if job.pdf_variant:
            reference += ["--pdf-variant", job.pdf_variant]
        alone_pdf = tmp / f"pdf-alone-{edition.name}.pdf"
        alone = best([*reference, str(source), str(alone_pdf)], repeat)
        command = [PY, "-m", "planbuilder", "{}", str(plan), "--edition", edition.name, "-o"]
        # A new output each run (``fresh``): nothing is reused from an earlier one.
        made = best_fresh(command, "pdf", tmp / f"pdf-out-{edition.name}", repeat)
        same = made[1].read_bytes() == alone_pdf.read_bytes()
        table.add(
            f"PDF {edition.name}: `planbuilder pdf`, whole process",
            secs(made[0]),
            "`weasyprint` on the same HTML, stylesheets, options",
            secs(alone),
            f"{ratios(made[0], alone)}; {'same bytes' if same else 'DIFFERENT PDFs'}"
            " (target ≤ 1.15×)",
        )
        site = best_fresh(command, "build", tmp / f"build-out-{edition.name}", repeat)[0]
        table.add(
            f"PDF {edition.name}: `planbuilder build` (site included)",
            secs(site),
            "`weasyprint` alone",
            secs(alone),
            ratios(site, alone),
        )
        again = run([*fill(command, "build"), str(tmp / f"build-out-{edition.name}-0")])
        result = build(plan, tmp / f"build-out-{edition.name}-0", edition=edition.name, today=None)
        table.add(
            f"PDF {edition.name}: second build, inputs unchanged",
            secs(again),
            "first build",
            secs(site),
            f"reused {len(result.reused)}/{len(result.pdf_paths)} PDFs",
        )


def fill(command: list[str], name: str) -> list[str]:
    return [name if part == "{}" else part for part in command]


def best_fresh(command: list[str], name: str, out: Path, repeat: int) -> tuple[Run, Path]:
    """``best`` of ``command`` (``{}`` → ``name``) writing to ``out-0``, ``out-1``, …; with
    the last output written."""
    runs = []
    for number in range(repeat):
        target = out.with_name(f"{out.name}-{number}")
        runs.append(run([*fill(command, name), str(target)]))
    middle = sorted(runs, key=lambda r: r.wall)[len(runs) // 2]
    return Run(middle.wall, middle.cpu, max(r.peak_mib for r in runs)), target


# -- 6. save → reload in the dev server ---------------------------------------------------------
def _listen(server, events: list, ready: threading.Event) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port)
    connection.request("GET", "/_planbuilder/events")
    response = connection.getresponse()
    ready.set()
    while not server.closing.is_set():
        line = response.fp.readline()
        if not line:
            return
        if line.startswith(b"data: "):
            events.append((time.perf_counter(), json.loads(line[6:])))


def reload_latencies(plan: Path, section: Path, saves: int) -> list[float]:
    """Seconds from writing ``section`` to the reload event reaching a connected browser."""
    from planbuilder.serve import DevServer

    server = DevServer(plan, port=0, pdf=False, today=TODAY, log=lambda line: None)
    server.start()
    events: list = []
    ready = threading.Event()
    threading.Thread(target=_listen, args=(server, events, ready), daemon=True).start()
    ready.wait(5)
    time.sleep(0.3)
    original = section.read_text()
    latencies = []
    try:
        for i in range(saves):
            seen = len(events)
            started = time.perf_counter()
            section.write_text(original + f"\nEdit number {i}.\n")
            deadline = started + 60
            while time.perf_counter() < deadline:
                reloads = [t for t, e in events[seen:] if e["type"] == "reload"]
                if reloads:
                    latencies.append(reloads[0] - started)
                    break
                time.sleep(0.002)
            time.sleep(0.25)  # let the watcher settle between saves
    finally:
        server.stop()
    return latencies


def bench_reload(table: Table, tmp: Path, saves: int, chapters: int, milestones: int) -> None:
    sample = tmp / "reload-sample"
    shutil.copytree(SAMPLE, sample, ignore=shutil.ignore_patterns("_build"))
    plans = [("sample", sample, sample / "sections" / "01-executive-summary.md")]
    if chapters:
        large = make_large_plan(tmp / "reload-large", chapters, milestones)
        plans.append(
            (
                f"large plan ({chapters} chapters)",
                large,
                large / "sections" / "01-executive-summary.md",
            )
        )
    for name, plan, section in plans:
        ms = [x * 1000 for x in reload_latencies(plan, section, saves)]
        table.add(
            f"save → reload, {name}",
            f"median {statistics.median(ms):.0f} ms of {len(ms)}",
            "quiet period",
            "100 ms",
            "target < 300 ms" if name == "sample" else "–",
        )


def compiled_like_an_install() -> None:
    """Write planbuilder's bytecode, as ``pip install`` does for an installed package.

    An editable install under ``PYTHONDONTWRITEBYTECODE`` (set on some machines) would
    otherwise compile every module again in each measured process (0.07 s of the
    sample's 0.30 s), a cost neither an installed planbuilder nor the references pay:
    MkDocs and Jinja come with their bytecode written at install time."""
    import compileall

    import planbuilder

    compileall.compile_dir(Path(planbuilder.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small plans, few repeats")
    parser.add_argument("--only", nargs="*", default=None, help="run only these measures")
    args = parser.parse_args()
    quick = args.quick
    repeat = 1 if quick else 3
    chapters, milestones = (100, 500) if quick else (1000, 5000)
    wanted = set(args.only or ["sample", "large", "scaling", "incremental", "pdf", "reload"])
    table = Table()
    print(f"planbuilder benchmarks, {os.cpu_count()} cores{', quick' if quick else ''}")
    compiled_like_an_install()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        steps = [
            ("sample", lambda: bench_sample(table, tmp, 3 if quick else 7)),
            ("large", lambda: bench_large(table, tmp, chapters, milestones, repeat)),
            ("scaling", lambda: bench_scaling(table, tmp, quick)),
            ("incremental", lambda: bench_incremental(table, tmp, chapters, milestones)),
            ("pdf", lambda: bench_pdf(table, tmp, quick)),
            (
                "reload",
                lambda: bench_reload(
                    table, tmp, 5 if quick else 20, 0 if quick else chapters, milestones
                ),
            ),
        ]
        for name, step in steps:
            if name in wanted:
                print(f"[{name}]", flush=True)
                step()
    table.print()


if __name__ == "__main__":
    main()
