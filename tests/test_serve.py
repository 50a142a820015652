"""The live-preview server, for real: a server on a free loopback port, files edited on
disk, and Debian's Chromium (through Playwright) watching the page change."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from planbuilder.serve import DevServer, resolve_request
from tests.conftest import SAMPLE, TODAY

SECTION = "sections/01-executive-summary.md"


def wait_for(condition, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


@contextlib.contextmanager
def running(plan: Path, **options) -> Iterator[DevServer]:
    """A dev server on ``plan`` (any free port, the tests' day, quiet unless given a
    ``log``), stopped when the block ends."""
    dev = DevServer(plan, **{"port": 0, "today": TODAY, "log": lambda line: None, **options})
    dev.start()
    try:
        yield dev
    finally:
        dev.stop()


def get(server: DevServer, path: str) -> tuple[int, bytes, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body, response.getheader("Content-Type") or ""


def status(server: DevServer) -> dict:
    return json.loads(get(server, "/_planbuilder/status")[1])


def write_section(plan: Path, text: str) -> None:
    (plan / SECTION).write_text(f"---\ntitle: Executive summary\norder: 1\n---\n{text}\n")


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("_build"))
    return target


@pytest.fixture
def server(plan: Path):
    lines: list[str] = []
    dev = DevServer(plan, port=0, pdf=False, today=TODAY, log=lines.append)
    dev.start()
    dev.lines = lines
    yield dev
    dev.stop()


def open_live(page, server: DevServer, path: str = ""):
    """Open a page and wait until its live-reload connection is up."""
    before = status(server)["clients"]
    page.goto(server.url + path)
    wait_for(lambda: status(server)["clients"] > before)


# -- in the browser ---------------------------------------------------------------


@pytest.mark.browser
def test_saving_a_section_updates_the_open_page(page, server, plan):
    open_live(page, server, "sections/executive-summary.html")
    page.evaluate("window.notReloaded = true")
    write_section(plan, "Freshly written words about the roastery.")
    article = page.locator("article")
    wait_for(lambda: "Freshly written words" in article.inner_text())
    assert page.evaluate("window.notReloaded === undefined")  # the page reloaded by itself
    assert page.locator("#planbuilder-overlay").count() == 0


@pytest.mark.browser
def test_broken_yaml_shows_an_overlay_until_fixed(page, server, plan):
    open_live(page, server)
    goals = plan / "goals.yaml"
    good = goals.read_text()
    goals.write_text(good.replace("  horizon: short\n", "  horizon: [short\n", 1))
    overlay = page.locator("#planbuilder-overlay")
    wait_for(lambda: overlay.count() == 1 and overlay.is_visible())
    text = overlay.inner_text()
    assert re.search(r"goals\.yaml:\d+:\d+", text), text
    assert "invalid YAML" in text
    # The last good site is still there beneath the overlay.
    assert "Growth plan 2026–2027" in page.locator("h1").first.inner_text()
    # A page opened now gets the overlay from the server too.
    fresh = page.context.new_page()
    fresh.goto(server.url + "team.html")
    assert "invalid YAML" in fresh.locator("#planbuilder-overlay").inner_text()
    assert "Maya Okafor" in fresh.locator("main").inner_text()
    fresh.close()
    # Fixing the file removes the overlay and shows the new content.
    goals.write_text(good.replace("Grow subscriptions to 520", "Grow subscriptions to 530"))
    wait_for(lambda: overlay.count() == 0 and "to 530" in page.locator("main").inner_text())


@pytest.mark.browser
def test_stylesheet_change_swaps_css_without_reload(page, server, plan):
    css = plan / "theme" / "static" / "site.css"
    css.parent.mkdir(parents=True)
    bundled = Path(__file__).resolve().parent.parent / "themes/default/static/site.css"
    css.write_text(bundled.read_text())
    wait_for(lambda: status(server)["generation"] >= 2)
    open_live(page, server)
    page.evaluate("window.notReloaded = true")
    css.write_text(bundled.read_text() + "\nbody { background-color: rgb(1, 2, 3); }\n")
    body = page.locator("body")
    wait_for(lambda: body.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(1, 2, 3)")
    assert page.evaluate("window.notReloaded === true")


# -- over plain HTTP ---------------------------------------------------------------


def test_atomic_save_is_picked_up(server, plan):
    first = status(server)["generation"]
    temp = plan / "sections" / ".01-executive-summary.md.tmp-4913"
    temp.write_text("---\ntitle: Executive summary\norder: 1\n---\nWritten by rename.\n")
    os.replace(temp, plan / SECTION)
    wait_for(lambda: status(server)["generation"] > first)
    assert b"Written by rename." in get(server, "/sections/executive-summary.html")[1]


def test_editor_droppings_do_not_trigger_builds(server, plan):
    first = status(server)["attempts"]
    for name in ("4913", ".01-executive-summary.md.swp", "notes.md~", "#scratch#", ".#lock"):
        (plan / "sections" / name).write_text("x")
    (plan / ".git").mkdir()
    (plan / ".git" / "index").write_text("x")
    (plan / "_build").mkdir()
    (plan / "_build" / "index.html").write_text("x")
    time.sleep(0.6)
    assert status(server)["attempts"] == first


def test_a_burst_of_saves_gives_few_builds_and_the_last_content(server, plan):
    first = status(server)["attempts"]
    for i in range(20):
        write_section(plan, f"Draft number {i}.")
        time.sleep(0.005)
    wait_for(lambda: b"Draft number 19." in get(server, "/sections/executive-summary.html")[1])
    time.sleep(0.4)
    builds = status(server)["attempts"] - first
    assert 1 <= builds <= 3, builds


def test_survives_200_rapid_edits_including_invalid_ones(server, plan):
    milestones = plan / "milestones.yaml"
    good = milestones.read_text()
    for i in range(200):
        if i % 3 == 1:
            milestones.write_text(good + "\n- id: [broken\n")
        elif i % 3 == 2:
            write_section(plan, f"Edit {i}")
        else:
            milestones.write_text(good)
        time.sleep(0.002)
    milestones.write_text(good)
    write_section(plan, "The final edit.")
    wait_for(
        lambda: b"The final edit." in get(server, "/sections/executive-summary.html")[1],
        timeout=20,
    )
    wait_for(lambda: not status(server)["failed"])
    assert get(server, "/")[0] == 200


def test_error_before_any_good_build_serves_the_overlay(tmp_path):
    plan = tmp_path / "p"
    plan.mkdir()
    (plan / "plan.yaml").write_text("title: [oops\n")
    with running(plan, pdf=False) as dev:
        code, body, _ = get(dev, "/")
        assert code == 503
        assert b'id="planbuilder-overlay"' in body and b"plan.yaml:" in body
        (plan / "plan.yaml").write_text("title: Fixed\ncompany: C\n")
        wait_for(lambda: get(dev, "/")[0] == 200)
        assert b"Fixed" in get(dev, "/")[1]


@pytest.mark.parametrize(
    "path",
    [
        "/../plan.yaml",
        "/%2e%2e/plan.yaml",
        "/..%2fplan.yaml",
        "/sections/../../plan.yaml",
        "/static/%2e%2e%2f%2e%2e%2fplan.yaml",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/assets/..%5c..%5cplan.yaml",
        "/index.html%00.css",
    ],
)
def test_path_traversal_is_404(server, path):
    code, body, _ = get(server, path)
    assert code == 404
    assert b"Brightwater" not in body or b"Not found" in body


def test_symlink_out_of_the_site_is_refused(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("ok")
    (tmp_path / "secret.txt").write_text("secret")
    (site / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (site / "sub").mkdir()
    assert resolve_request(site, "/") == (site / "index.html").resolve()
    assert resolve_request(site, "/leak.txt") is None
    assert resolve_request(site, "/sub/") is None  # no directory listings
    assert resolve_request(site, "/missing.html") is None


def test_content_types_and_no_script_in_built_files(server, plan):
    code, body, content_type = get(server, "/")
    assert code == 200 and content_type == "text/html; charset=utf-8"
    assert b"/_planbuilder/live.js" in body  # injected when served...
    site = server.builder.state.site_dir
    assert b"live.js" not in (site / "index.html").read_bytes()  # ...never in the files
    assert get(server, "/static/site.css")[2] == "text/css; charset=utf-8"
    assert get(server, "/assets/roastery-plan.svg")[2] == "image/svg+xml"
    assert not (plan / "_build").exists()  # serving never writes into the plan


def test_pdf_is_built_in_the_background(plan):
    with running(plan, pdf=True) as dev:
        assert status(dev)["generation"] == 1  # the HTML did not wait for the PDF
        wait_for(lambda: get(dev, "/_pdf")[0] == 200, timeout=60, interval=0.2)
        _, body, content_type = get(dev, "/_pdf")
        assert content_type == "application/pdf" and body.startswith(b"%PDF-")
        for edition in ("investor", "lender", "internal"):  # every edition of the sample
            assert f'href="_pdf/{edition}"'.encode() in get(dev, "/")[1]
            # laid out when asked for: the page says so until it is ready
            wait_for(lambda e=edition: get(dev, f"/_pdf/{e}")[0] == 200, timeout=60, interval=0.2)
            code, body, _ = get(dev, f"/_pdf/{edition}")
            assert code == 200 and body.startswith(b"%PDF-")
        assert get(dev, "/_pdf/nope")[0] == 404


# -- the command -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cli(plan: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "planbuilder", "serve", str(plan), "--no-pdf", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_until(process: subprocess.Popen, needle: str, timeout: float = 60) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen += line
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} not printed; got {seen!r}")


def test_cli_serves_and_stops_cleanly_on_ctrl_c(plan):
    port = free_port()
    process = start_cli(plan, "--port", str(port))
    try:
        printed = read_until(process, "Ctrl-C to stop")
        assert f"http://127.0.0.1:{port}/" in printed
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/")
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "stopped" in out
    assert "Traceback" not in err


def test_cli_port_taken(plan):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        explicit = start_cli(plan, "--port", str(port))
        _, err = explicit.communicate(timeout=30)
        assert explicit.returncode == 1
        assert f"port {port} is already in use" in err
        assert "Traceback" not in err


def test_cli_warns_when_listening_beyond_this_machine(plan):
    process = start_cli(plan, "--host", "0.0.0.0", "--port", str(free_port()))
    try:
        read_until(process, "Ctrl-C to stop")
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert "anyone who can reach this machine can read the plan" in err


def test_body_edits_render_only_that_page_and_other_edits_everything(server, plan):
    def edit_and_wait(change) -> dict:
        first = status(server)["generation"]
        change()
        return wait_for(lambda: (s := status(server))["generation"] > first and s)

    after_body = edit_and_wait(lambda: write_section(plan, "Only the body changed."))
    assert after_body["incremental"] is True
    assert b"Only the body changed." in get(server, "/sections/executive-summary.html")[1]
    assert get(server, "/sections/market.html")[0] == 200  # other pages carried over
    assert get(server, "/static/site.css")[0] == 200

    section = plan / SECTION

    def retitle() -> None:
        section.write_text(section.read_text().replace("Executive summary", "Summary"))

    after_title = edit_and_wait(retitle)
    assert after_title["incremental"] is False  # the title is in every page's navigation
    assert b">Summary</a>" in get(server, "/team.html")[1]

    team = plan / "team.yaml"
    after_yaml = edit_and_wait(lambda: team.write_text(team.read_text().replace("Tomas", "Tomás")))
    assert after_yaml["incremental"] is True  # the chapters' pages are carried over
    assert "Tomás Berg" in get(server, "/team.html")[1].decode()


def test_polling_watcher_sees_saves_too(plan):
    with running(plan, pdf=False, poll=True) as dev:
        first = status(dev)["generation"]
        write_section(plan, "Seen by polling.")
        wait_for(lambda: status(dev)["generation"] > first, timeout=15)
        assert b"Seen by polling." in get(dev, "/sections/executive-summary.html")[1]
