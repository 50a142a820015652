"""A plan from someone else can do nothing but describe a business: attacks, on real
plan folders in tmp_path, that must not work."""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planbuilder.build import build, check
from planbuilder.cli import main
from planbuilder.diagnostics import problem_text
from planbuilder.serve.live import LiveBuilder
from tests.conftest import TODAY, git

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

SECTION = "---\ntitle: Summary\n---\nWe sell good coffee.\n"


@pytest.fixture
def trapped_repo(make_plan, tmp_path):
    """A committed, tagged plan whose repository config names programs that write
    ``tmp_path/TRAPPED-*`` when git runs them, and whose files are all stat-dirty."""
    plan = make_plan(
        {"sections/01-summary.md": SECTION, ".gitattributes": "*.yaml filter=x\n*.md diff=x\n"}
    )
    git(plan, "init", "-q")
    git(plan, "add", ".")
    git(plan, "commit", "-q", "-m", "plan")
    git(plan, "tag", "v1.0")
    traps = {
        "core.fsmonitor": f"touch {tmp_path}/TRAPPED-fsmonitor; echo",
        "filter.x.clean": f"touch {tmp_path}/TRAPPED-clean; cat",
        "filter.x.smudge": f"touch {tmp_path}/TRAPPED-smudge; cat",
        "filter.x.process": f"touch {tmp_path}/TRAPPED-process",
        "diff.x.textconv": f"touch {tmp_path}/TRAPPED-textconv; cat",
        "core.pager": f"touch {tmp_path}/TRAPPED-pager; cat",
        "log.showSignature": "true",
        "gpg.program": f"touch {tmp_path}/TRAPPED-gpg",
        "core.hooksPath": str(tmp_path / "hooks"),
    }
    for key, value in traps.items():
        git(plan, "config", key, value)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in ("post-checkout", "post-index-change", "reference-transaction"):
        (hooks / name).write_text(f"#!/bin/sh\ntouch {tmp_path}/TRAPPED-hook\n")
        (hooks / name).chmod(0o755)
    later = time.time() + 5
    for path in plan.rglob("*"):
        if ".git" not in path.parts:
            os.utime(path, (later, later))  # as after unpacking an archive
    return plan


def sprung(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.glob("TRAPPED-*"))


def plan_meta(plan: Path):
    prepared = check(plan, today=TODAY)
    assert prepared.ok, [problem_text(p) for p in prepared.problems]
    return prepared.report.plan.meta


@needs_git
def test_git_config_programs_never_run_and_the_stamp_stays_right(trapped_repo, tmp_path):
    meta = plan_meta(trapped_repo)
    assert (meta.version, meta.draft) == ("v1.0", False)  # same bytes: not dirty
    assert meta.stamp is not None and meta.stamp.isoformat() == "2027-02-03T04:05:06+00:00"
    built = build(trapped_repo, site=True, pdf=False, today=TODAY)
    assert built.ok and built.report.plan.meta.version == "v1.0"
    assert main(["build", str(trapped_repo), "--no-pdf"]) == 0
    goals = trapped_repo / "plan.yaml"
    goals.write_text(goals.read_text() + "keywords: [coffee]\n")
    meta = plan_meta(trapped_repo)
    assert (meta.version, meta.draft) == ("v1.0-dirty", True)
    assert main(["check", str(trapped_repo)]) == 0
    builder = LiveBuilder(trapped_repo, tmp_path / "serve-work", pdf=False, today=TODAY)
    state = builder.build()
    assert not state.failed and (state.site_dir / "index.html").is_file()
    assert sprung(tmp_path) == []


@needs_git
def test_staged_and_deleted_files_make_the_plan_dirty(trapped_repo, tmp_path):
    section = trapped_repo / "sections" / "01-summary.md"
    section.unlink()
    assert plan_meta(trapped_repo).draft is True
    section.write_text(SECTION)
    assert plan_meta(trapped_repo).draft is False
    (trapped_repo / "new.txt").write_text("untracked files do not count\n")
    assert plan_meta(trapped_repo).draft is False
    # Staging the file is a change against the last commit, like `git describe --dirty`.
    git(
        trapped_repo,
        "-c",
        "core.fsmonitor=false",
        "-c",
        "core.hooksPath=/dev/null",
        "update-index",
        "--add",
        "new.txt",
    )
    assert plan_meta(trapped_repo).version == "v1.0-dirty"
    assert sprung(tmp_path) == []


@needs_git
def test_crlf_checkouts_are_not_dirty(make_plan):
    plan = make_plan({"sections/01-summary.md": SECTION})
    git(plan, "init", "-q")
    git(plan, "add", ".")
    git(plan, "commit", "-q", "-m", "plan")
    section = plan / "sections" / "01-summary.md"
    section.write_bytes(section.read_bytes().replace(b"\n", b"\r\n"))  # core.autocrlf on Windows
    assert plan_meta(plan).draft is False


def test_a_linked_output_folder_is_refused(make_plan, tmp_path):
    plan = make_plan({"sections/01-summary.md": SECTION}, name="plan")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    (elsewhere / ".planbuilder-output").write_text("")  # even one that looks like ours
    (plan / "_build").symlink_to("../elsewhere")
    for command in (["build", str(plan), "--no-pdf"], ["pdf", str(plan)]):
        assert main(command) == 1
    assert sorted(p.name for p in elsewhere.iterdir()) == [".planbuilder-output", "keep.txt"]
    assert (elsewhere / "keep.txt").read_text() == "mine"


def test_a_linked_output_folder_error_names_the_folder(make_plan, tmp_path, capsys):
    plan = make_plan({}, name="plan")
    (tmp_path / "elsewhere").mkdir()
    (plan / "_build").symlink_to("../elsewhere")
    assert main(["build", str(plan), "--no-pdf"]) == 1
    err = capsys.readouterr().err
    assert "_build: error: output folder" in err and "is a symbolic link" in err


def test_a_linked_pdf_in_a_shipped_build_folder_is_not_overwritten(make_plan, tmp_path, capsys):
    plan = make_plan({"sections/01-summary.md": SECTION}, name="plan")
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(b"%PDF-1.7 the signed contract")
    name = f"{plan_meta(plan).slug}.pdf"
    (plan / "_build").mkdir()
    (plan / "_build" / ".planbuilder-output").write_text("")
    (plan / "_build" / name).symlink_to(contract)
    assert main(["pdf", str(plan)]) == 1
    err = capsys.readouterr().err
    assert f"_build/{name}: error:" in err and "is a symbolic link" in err
    assert contract.read_bytes() == b"%PDF-1.7 the signed contract"
    assert (plan / "_build" / name).is_symlink()


def test_an_explicit_output_that_is_a_link_is_refused(make_plan, tmp_path, capsys):
    """`-o` names the link itself: it is refused, never followed."""
    plan = make_plan({"sections/01-summary.md": SECTION}, name="plan")
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(b"%PDF-1.7 the signed contract")
    (tmp_path / "out.pdf").symlink_to(contract)
    assert main(["pdf", str(plan), "-o", str(tmp_path / "out.pdf")]) == 1
    assert "is a symbolic link" in capsys.readouterr().err
    assert contract.read_bytes() == b"%PDF-1.7 the signed contract"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "public").symlink_to(elsewhere)
    assert main(["build", str(plan), "--no-pdf", "-o", str(tmp_path / "public")]) == 1
    assert "is a symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


def raw_request(port: int, host: str | None, path: str) -> tuple[int, dict[str, str], bytes]:
    """A request with exactly the ``Host`` header given (``None``: no Host at all)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    if host is not None:
        connection.putheader("Host", host)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read() if path != "/_planbuilder/events" or response.status != 200 else b""
    headers = {k.lower(): v for k, v in response.getheaders()}
    connection.close()
    return response.status, headers, body


@pytest.fixture
def dev_server(make_plan):
    from planbuilder.serve import DevServer

    plan = make_plan({"sections/01-summary.md": SECTION, "assets/logo.svg": LOGO})
    server = DevServer(plan, port=0, pdf=False, today=TODAY, log=lambda line: None)
    server.start()
    yield server
    server.stop()


LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"></svg>\n'
ROUTES = (
    "/",
    "/index.html",
    "/summary/",
    "/assets/logo.svg",
    "/_planbuilder/events",
    "/_planbuilder/status",
    "/_planbuilder/live.js",
    "/_pdf",
    "/_pdf/investor",
    "/no-such-page",
)


@pytest.mark.parametrize(
    "host",
    [
        "rebind.example",
        "rebind.example:8000",
        "127.0.0.1.rebind.example",
        "localhost.rebind.example",
        "localhost@rebind.example",
        "[::2]",
        "",
        None,
    ],
)
def test_the_dev_server_answers_no_foreign_host(dev_server, host):
    for path in ROUTES:
        status, _, body = raw_request(dev_server.port, host, path)
        assert status == 421, (host, path)
        assert b"misdirected request" in body and b"<" not in body


def test_the_dev_server_answers_its_own_names(dev_server):
    port = dev_server.port
    for host in ("127.0.0.1", f"127.0.0.1:{port}", "localhost", f"LOCALHOST:{port}", "[::1]:1"):
        status, _, _ = raw_request(port, host, "/_planbuilder/status")
        assert status == 200, host


def test_the_explicit_host_is_answered_too():
    from planbuilder.serve.server import host_allowed

    assert host_allowed("plan.lan:8000", "plan.lan")
    assert host_allowed("[fe80::1]:8000", "fe80::1")
    assert not host_allowed("plan.lan:8000", "127.0.0.1")


def test_served_pages_carry_a_content_security_policy(dev_server):
    status, headers, body = raw_request(dev_server.port, "127.0.0.1", "/")
    assert status == 200 and b"/_planbuilder/live.js" in body
    policy = headers["content-security-policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    status, headers, _ = raw_request(dev_server.port, "127.0.0.1", "/assets/logo.svg")
    assert status == 200 and headers["content-type"] == "image/svg+xml"
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert "sandbox" in headers["content-security-policy"]  # an SVG opened alone runs nothing
    status, headers, _ = raw_request(dev_server.port, "127.0.0.1", "/no-such-page")
    assert status == 404 and "script-src 'self'" in headers["content-security-policy"]


def test_deeply_nested_yaml_is_a_positioned_error_not_a_crash(make_plan):
    deep = "# 3,000 lists, one in another\ngoals: " + "[" * 3000 + "]" * 3000 + "\n"
    plan = make_plan({"goals.yaml": deep})
    result = subprocess.run(
        [sys.executable, "-m", "planbuilder", "check", str(plan)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "goals.yaml:2:107: error: the YAML is nested more than 100 levels deep" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr + result.stdout


def explode(*args, **kwargs):
    raise ZeroDivisionError("a bug deep inside")


def test_an_internal_error_prints_one_line_and_a_hint(make_plan, monkeypatch, capsys):
    plan = make_plan({})
    monkeypatch.delenv("PLANBUILDER_DEBUG", raising=False)
    monkeypatch.setattr("planbuilder.build.validate", explode)
    assert main(["check", str(plan)]) == 3
    err = capsys.readouterr().err
    assert err.startswith(
        "planbuilder: internal error, please report it (ZeroDivisionError: a bug deep inside)\n"
    )
    assert "run the same command with --debug" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(make_plan, monkeypatch, capsys, where):
    plan = make_plan({})
    monkeypatch.setattr("planbuilder.build.validate", explode)
    argv = ["--debug", "check", str(plan)] if where == "before" else ["check", str(plan), "--debug"]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert 'in explode\n    raise ZeroDivisionError("a bug deep inside")' in err
    assert "planbuilder: internal error, please report it" in err


def test_the_dev_server_keeps_the_last_good_build_after_an_internal_error(
    make_plan, tmp_path, monkeypatch
):
    plan = make_plan({"sections/01-summary.md": SECTION})
    logged: list[str] = []
    builder = LiveBuilder(plan, tmp_path / "work", pdf=False, today=TODAY, log=logged.append)
    good = builder.build()
    assert not good.failed
    monkeypatch.setattr("planbuilder.serve.live.build", explode)
    builder.start()
    try:
        builder.queue.add(plan / "plan.yaml")
        deadline = time.monotonic() + 10
        while not builder.state.failed and time.monotonic() < deadline:
            time.sleep(0.05)
        state = builder.state
        assert state.failed and state.site_dir == good.site_dir
        assert (state.site_dir / "index.html").is_file()
        assert state.problems[0].message == (
            "internal error, please report it (ZeroDivisionError: a bug deep inside)"
        )
        assert any("internal error, please report it" in line for line in logged)
        monkeypatch.undo()  # the bug is gone: the next save builds again
        builder.queue.add(plan / "plan.yaml")
        deadline = time.monotonic() + 10
        while builder.state.generation == good.generation and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not builder.state.failed and builder.state.generation == good.generation + 1
        assert builder._thread.is_alive()
    finally:
        builder.stop()
