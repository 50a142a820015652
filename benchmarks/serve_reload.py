"""Save → reload latency of `planbuilder serve`: the time from writing a section file to
the reload event reaching a connected browser (over the real Server-Sent Events stream).

Run: .venv/bin/python benchmarks/serve_reload.py [--saves 20] [--sections 200]
Prints figures; asserts nothing (machines here are shared and noisy).
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_speed import REPO, TODAY, make_large_plan

from planbuilder.serve import DevServer


def listen(server: DevServer, events: list, ready: threading.Event) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port)
    connection.request("GET", "/_planbuilder/events")
    response = connection.getresponse()
    ready.set()
    while not server.closing.is_set():
        line = response.fp.readline()
        if not line:
            return
        if line.startswith(b"data: "):
            event = json.loads(line[6:])
            events.append((time.perf_counter(), event))


def measure(plan: Path, saves: int) -> list[float]:
    server = DevServer(plan, port=0, pdf=False, today=TODAY, log=lambda line: None)
    server.start()
    events: list = []
    ready = threading.Event()
    threading.Thread(target=listen, args=(server, events, ready), daemon=True).start()
    ready.wait(5)
    time.sleep(0.3)
    section = plan / "sections" / "01-executive-summary.md"
    original = section.read_text()
    latencies = []
    try:
        for i in range(saves):
            seen = len(events)
            started = time.perf_counter()
            section.write_text(original + f"\nEdit number {i}.\n")
            deadline = started + 10
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


def report(name: str, latencies: list[float]) -> None:
    ms = sorted(x * 1000 for x in latencies)
    print(
        f"{name}: {len(ms)} saves, median {statistics.median(ms):.0f} ms, "
        f"min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms (of which the quiet period is 100 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--sections", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample"
        shutil.copytree(REPO / "sample-plan", sample, ignore=shutil.ignore_patterns("_build"))
        report("sample-plan", measure(sample, args.saves))
        large = make_large_plan(Path(tmp) / "large", args.sections)
        report(f"large plan ({args.sections} sections)", measure(large, args.saves))


if __name__ == "__main__":
    main()
