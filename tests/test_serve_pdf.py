"""The dev server's PDF preview: only the edition previewed is laid out again, in the
background, and a newer save ends a layout already under way. A real server on a copy of
the sample plan, sources edited on disk."""

from __future__ import annotations

import http.client
import json
import shutil
import threading
from pathlib import Path

import pytest

from planbuilder.serve import DevServer
from tests.conftest import SAMPLE
from tests.test_build import pdf_text
from tests.test_serve import get, running, status, wait_for, write_section

#: Enough text that laying out the investor edition takes a while (several pages more).
FILLER = "\n\n".join(
    f"Paragraph {n}: the roastery's plan for this quarter, in many words." for n in range(300)
)


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("_build"))
    return target


class Events:
    """The server's event stream, read in a thread: every event in arrival order."""

    def __init__(self, server: DevServer):
        self.seen: list[dict] = []
        self._ready = threading.Event()
        self._connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
        threading.Thread(target=self._read, daemon=True).start()
        self._ready.wait(10)

    def _read(self) -> None:
        self._connection.request("GET", "/_planbuilder/events")
        response = self._connection.getresponse()
        self._ready.set()
        while line := response.fp.readline():
            if line.startswith(b"data: "):
                self.seen.append(json.loads(line[6:]))

    def index(self, kind: str, generation: int) -> int:
        found = [(e["type"], e.get("generation")) for e in self.seen]
        return found.index((kind, generation))


def layouts(server: DevServer) -> list[dict]:
    return status(server)["pdf"]["layouts"]


def test_a_newer_save_ends_the_stale_layout_of_the_previewed_edition_only(plan):
    lines: list[str] = []
    with running(plan, pdf=True, log=lines.append) as dev:
        events = Events(dev)
        assert layouts(dev) == []  # nothing is laid out before a PDF is asked for
        wait_for(lambda: get(dev, "/_pdf/investor")[0] == 200, timeout=120, interval=0.2)
        assert status(dev)["pdf"]["previewed"] == "investor"

        write_section(plan, f"First draft words.\n\n{FILLER}")
        wait_for(
            lambda: {"edition": "investor", "generation": 2, "outcome": "running"} in layouts(dev),
            timeout=60,
        )
        write_section(plan, f"Second draft words.\n\n{FILLER}")
        # The site of the second save is served while the first save's layout is ended.
        wait_for(lambda: status(dev)["generation"] == 3, timeout=60)

        # Asking for the PDF waits for (or shows a page about) the current layout: the
        # first PDF served is that of the second save, never the first one's.
        response = wait_for(
            lambda: (found := get(dev, "/_pdf/investor"))[0] == 200 and found,
            timeout=120,
            interval=0.2,
        )
        text = pdf_text(response[1])
        assert "Second draft words." in text and "First draft words." not in text

        made = layouts(dev)
        assert {"edition": "investor", "generation": 2, "outcome": "cancelled"} in made
        assert {"edition": "investor", "generation": 3, "outcome": "done"} in made
        # Only the edition previewed was laid out: once at first, once per kept save.
        assert [m["edition"] for m in made] == ["investor"] * 3
        assert [m["generation"] for m in made] == [1, 2, 3]
        assert any("stopped: the sources changed" in line for line in lines)

        # The site reloaded for each save before that save's PDF was ready (never for
        # the cancelled one).
        wait_for(lambda: ("pdf", 3) in [(e["type"], e.get("generation")) for e in events.seen])
        assert events.index("reload", 2) < events.index("reload", 3) < events.index("pdf", 3)
        assert ("pdf", 2) not in [(e["type"], e.get("generation")) for e in events.seen]


def test_a_save_that_leaves_the_print_document_as_it_was_lays_nothing_out(plan):
    with running(plan, pdf=True) as dev:
        wait_for(lambda: get(dev, "/_pdf/lender")[0] == 200, timeout=120, interval=0.2)
        before = get(dev, "/_pdf/lender")[1]
        # A site stylesheet is not part of any print document.
        stylesheet = plan / "theme" / "static" / "extra.css"
        stylesheet.parent.mkdir(parents=True, exist_ok=True)
        stylesheet.write_text("body { color: #222; }\n")
        wait_for(lambda: status(dev)["generation"] == 2, timeout=60)
        assert get(dev, "/_pdf/lender")[1] == before
        assert [m["generation"] for m in layouts(dev)] == [1]


def test_an_unknown_edition_is_404_and_pdf_preview_off_says_so(plan):
    with running(plan, pdf=True) as dev:
        assert get(dev, "/_pdf/nope")[0] == 404
        assert layouts(dev) == []
