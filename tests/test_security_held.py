"""Attacks that already failed before the security work, kept failing by a test each:
what WeasyPrint may fetch, YAML numbers too large for any value, oversized requests to
the dev server, and where it listens. (The other held attacks are tested beside the code
they concern: raw HTML and link schemes in test_markdown.py, confined assets and images in
test_markdown.py and test_published_files.py, the output folder in test_write.py, path
traversal in test_serve.py, YAML tags and aliases in test_load.py.)"""

from __future__ import annotations

import http.client
import http.server
import socket
import threading
from pathlib import Path

import pytest

from planbuilder.build import build, check
from planbuilder.render.layout import confined_fetcher
from planbuilder.serve import DevServer
from tests.conftest import TODAY

SECTION = "---\ntitle: Summary\n---\nWe sell good coffee.\n"


class _Listener:
    """A loopback HTTP server that only counts the requests it gets."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.http = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self):
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def listener():
    server = _Listener()
    yield server
    server.close()


def test_the_pdf_fetches_nothing_from_the_network_or_outside_the_plan(
    make_plan, tmp_path, listener
):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    plan = make_plan(
        {
            "sections/01-summary.md": SECTION,
            # A plan's own print stylesheet reaching out in every way CSS allows.
            "theme/print/print.css": f"""\
                @import url("{listener.url}/import.css");
                @import url("{secret.as_uri()}");
                @font-face {{ font-family: X; src: url("{listener.url}/font.woff"); }}
                body {{ font-family: X; background: url("{listener.url}/bg.png"); }}
                h1 {{ background-image: url("{Path("/etc/hostname").as_uri()}"); }}
            """,
        }
    )
    result = build(plan, tmp_path / "out", site=False, today=TODAY)
    assert result.ok, result.problems
    assert result.pdf_path.read_bytes().startswith(b"%PDF-")
    assert listener.hits == []


def test_the_confined_fetcher_refuses_files_outside_its_roots_and_every_network_url(tmp_path):
    inside = tmp_path / "plan" / "assets" / "a.css"
    inside.parent.mkdir(parents=True)
    inside.write_text("p { }")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    fetch = confined_fetcher([tmp_path / "plan"]).fetch
    assert fetch(inside.as_uri()) is not None
    for url in (
        outside.as_uri(),
        f"{(tmp_path / 'plan').as_uri()}/../secret.txt",
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.css",
        "ftp://example.com/x",
    ):
        with pytest.raises(ValueError, match="refused to load"):
            fetch(url)


@pytest.mark.parametrize("number", ["1e400", "-1e400", ".inf", ".nan"])
def test_a_number_beyond_any_value_is_an_error_at_its_line(make_plan, number):
    plan = make_plan(
        {"financials.yaml": f"start: 2027-01\nstarting_cash: 1000\nmin_dscr: {number}\n"}
    )
    errors = [p for p in check(plan, today=TODAY).problems if p.is_error]
    assert [(p.position.name, p.position.line) for p in errors] == [("financials.yaml", 3)]


@pytest.fixture
def dev_server(make_plan):
    dev = DevServer(make_plan({"sections/01-summary.md": SECTION}), port=0, pdf=False,
                    today=TODAY, log=lambda line: None)  # fmt: skip
    dev.start()
    yield dev
    dev.stop()


def test_the_dev_server_listens_on_loopback_only_by_default(dev_server):
    host, _port = dev_server._http.server_address[:2]
    assert host == "127.0.0.1"


def test_the_dev_server_survives_huge_headers(dev_server):
    with socket.create_connection(("127.0.0.1", dev_server.port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
        reply = raw.recv(200)
    assert reply.startswith(b"HTTP/1.1 431") or reply.startswith(b"HTTP/1.0 431")
    connection = http.client.HTTPConnection("127.0.0.1", dev_server.port, timeout=10)
    connection.request("GET", "/", headers={"Host": "127.0.0.1"})
    assert connection.getresponse().status == 200  # still serving
