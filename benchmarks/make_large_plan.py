"""Write a large plan: the sample plan's YAML with many chapters, milestones and KPIs.

Run: python benchmarks/make_large_plan.py OUT [--chapters 1000] [--milestones 5000]
[--kpis 50] [--months 60]. Each chapter has prose, two headings and a 20-row table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample-plan"
AS_OF = dt.date(2026, 10, 31)  # the sample plan's as_of

PARAGRAPH = (
    "We roast to order and ship within two days. Every lot is cupped before release, "
    "and the roast profile is recorded so that the coffee tastes the same all year. "
    "Wholesale customers get a **named roaster** and a *monthly* tasting.\n\n"
)


def chapter(i: int) -> str:
    """One chapter's Markdown body (no front matter): what the floor and MkDocs render too."""
    rows = "".join(f"| Lot {i}-{r} | {r * 12 + i % 7} | {r % 3 + 1} |\n" for r in range(20))
    return (
        f"# Chapter {i}\n\n## Part one\n\n{PARAGRAPH * 3}"
        f"## Part two\n\n| Item | Amount | Grade |\n|---|--:|:-:|\n{rows}\n{PARAGRAPH}"
    )


def milestones_yaml(count: int) -> str:
    owners = ("maya", "priya", "daniel")
    goals = ("wholesale", "margin", "subscriptions")
    out = []
    for i in range(count):
        due = dt.date(2026, 1, 1) + dt.timedelta(days=i % 360)
        out.append(
            f"- id: m-{i:05}\n  title: Milestone number {i}\n  due: {due}\n"
            f"  budget: {1000 + i % 97}.50\n  owner: {owners[i % 3]}\n"
            f"  goals: [{goals[i % 3]}]\n"
        )
        if due < AS_OF and i % 2:
            out.append(f"  done: {due}\n  actual_cost: {1000 + i % 89}.25\n")
    return "".join(out)


def kpis_yaml(count: int, months: int) -> str:
    out = []
    for k in range(count):
        values = []
        for m in range(months):
            year, month = divmod(m, 12)
            values.append(f"    {2022 + year}-{month + 1:02}: {100 + k + m * 3}.5\n")
        out.append(
            f"- id: kpi-{k:03}\n  name: Measure {k}\n  category: sales\n  unit: count\n"
            f"  direction: up\n  target: {400 + k}\n  target_date: 2026-12-31\n"
            f"  actuals:\n{''.join(values)}"
        )
    return "".join(out)


def make_large_plan(
    root: Path, chapters: int = 1000, milestones: int = 5000, kpis: int = 50, months: int = 60
) -> Path:
    """Write the plan into ``root`` (which must not exist) and return it."""
    # The sample's own chapters stay (its editions name them); the new ones follow.
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("_build"))
    for i in range(chapters):
        front = f"---\ntitle: Chapter {i}\norder: {100 + i}\n---\n"
        (root / "sections" / f"chapter-{i:05}.md").write_text(front + chapter(i))
    # Appended to the sample's own (its goals name them).
    for name, more in (
        ("milestones.yaml", milestones_yaml(milestones)),
        ("kpis.yaml", kpis_yaml(kpis, months)),
    ):
        (root / name).write_text((SAMPLE / name).read_text() + "\n" + more)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--chapters", type=int, default=1000)
    parser.add_argument("--milestones", type=int, default=5000)
    parser.add_argument("--kpis", type=int, default=50)
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()
    make_large_plan(args.out, args.chapters, args.milestones, args.kpis, args.months)
    print(args.out)


if __name__ == "__main__":
    main()
