"""Print how long each stage of a build takes, for the sample plan and a large generated plan.

Run: .venv/bin/python benchmarks/build_speed.py [--sections 200] [--repeat 5]
Figures only: timing varies with the machine, so nothing here asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from planbuilder.build import prepare
from planbuilder.editions import editions
from planbuilder.render.pdf import render_pdf
from planbuilder.render.site import render_site
from planbuilder.write import write_tree

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2027, 6, 30)


def make_large_plan(root: Path, sections: int) -> Path:
    shutil.copytree(REPO / "sample-plan", root, ignore=shutil.ignore_patterns("_build"))
    paragraph = (
        "We roast to order and ship within two days. Every lot is cupped before release, "
        "and the roast profile is recorded so that the coffee tastes the same all year.\n\n"
    )
    for i in range(sections):
        body = f"---\ntitle: Chapter {i}\norder: {100 + i}\n---\n## Part one\n\n{paragraph * 4}"
        body += f"## Part two\n\n| Item | Amount |\n|---|--:|\n| Roasting | {i * 10} |\n"
        (root / "sections" / f"chapter-{i:03}.md").write_text(body)
    return root


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench(name: str, plan: Path, repeat: int, pdf: bool) -> None:
    t_prepare, prepared = timed(lambda: prepare(plan, today=TODAY), repeat)
    report, theme = prepared.report, prepared.theme
    t_site, (files, _) = timed(lambda: render_site(report, theme, root=prepared.root), repeat)
    with tempfile.TemporaryDirectory() as tmp:
        t_write, _ = timed(lambda: write_tree(files, Path(tmp) / "out"), repeat)
    print(f"{name}: {len(report.plan.sections)} sections, {len(files)} site files")
    print(f"  {'load+validate+model+compute':<40} {t_prepare * 1000:8.1f} ms")
    print(f"  {'render site':<40} {t_site * 1000:8.1f} ms")
    print(f"  {'write site':<40} {t_write * 1000:8.1f} ms")
    if pdf:
        for edition in editions(report.plan, theme):
            t_pdf, (data, _) = timed(
                lambda e=edition: render_pdf(report, theme, e, root=prepared.root), 1
            )
            label = f"render PDF: {edition.name} ({len(edition.chapters)} chapters)"
            print(f"  {label:<40} {t_pdf * 1000:8.1f} ms ({len(data) // 1024} KiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sections", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()
    bench("sample-plan", REPO / "sample-plan", args.repeat, not args.no_pdf)
    with tempfile.TemporaryDirectory() as tmp:
        large = make_large_plan(Path(tmp) / "large", args.sections)
        bench(f"large plan ({args.sections} sections)", large, args.repeat, not args.no_pdf)


if __name__ == "__main__":
    main()
