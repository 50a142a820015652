"""The live-preview HTTP server: serves the last good build, pushes reloads over
Server-Sent Events, and shows build errors in an overlay on every page."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import mimetypes
import queue
import re
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from html import escape as html_escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from planbuilder.diagnostics import overlay_html, problem_json
from planbuilder.load import DEFAULT_LIMITS, Limits
from planbuilder.problems import Problem
from planbuilder.serve.live import PDF_PATH, LiveBuilder, LiveState
from planbuilder.serve.watch import Watcher

PREFIX = "/_planbuilder/"
KEEPALIVE_SECONDS = 10
#: How long a PDF request waits for a layout under way before answering "still laying out".
PDF_WAIT_SECONDS = 5
DEFAULT_PORT = 8000

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
}

#: What a served page may load: only this server's own files (the live-reload script
#: included), inline styles for the overlay, and data: images. No inline script runs.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
#: Anything else (stylesheets, images, SVG opened on its own, JSON) runs nothing at all.
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox"
#: The browser's PDF viewer is itself a page; a sandbox would stop it from showing the file.
PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"

#: ``Host`` names the server answers to besides an explicit ``--host``: a page on
#: another site that points its own name at 127.0.0.1 (DNS rebinding) gets 421.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")

LIVE_JS = (Path(__file__).parent / "live.js").read_text("utf-8")
OVERLAY_CSS = (Path(__file__).parent / "overlay.css").read_text("utf-8")


class ServeError(Exception):
    """The server cannot start (port taken, bad host)."""


def resolve_request(site_dir: Path, raw_path: str) -> Path | None:
    """The file a URL path names inside ``site_dir``, or ``None`` (→ 404).

    Refuses ``..`` (also percent-encoded), backslashes, NUL bytes, and anything —
    symlinks included — that resolves outside the site. Folders serve index.html.
    """
    path = unquote(urlsplit(raw_path).path)
    if "\0" in path or "\\" in path:
        return None
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    root = site_dir.resolve()
    candidate = root.joinpath(*parts)
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if resolved != root and root not in resolved.parents:
        return None
    if resolved.is_dir():
        resolved = resolved / "index.html"
        if not resolved.is_file():
            return None
    return resolved if resolved.is_file() else None


def inject(html: str, state: LiveState, plan_dir: Path) -> str:
    """Add the live-reload script (and the overlay when the last build failed) to a page."""
    snippet = f"<style>{OVERLAY_CSS}</style>"
    if state.failed:
        snippet += overlay_html(state.problems, built=state.site_dir is not None)
    snippet += (
        f'<script src="{PREFIX}live.js" data-generation="{state.generation}" '
        f'data-failed="{int(state.failed)}"></script>'
    )
    closing = list(re.finditer(r"</body\s*>", html, re.IGNORECASE))
    if not closing:
        return html + snippet
    at = closing[-1].start()
    return html[:at] + snippet + html[at:]


def host_allowed(header: str | None, explicit: str | None = None) -> bool:
    """Whether a request's ``Host`` header names this server: a loopback name or the
    explicit ``--host``, with or without a port (any port: a forwarded one is fine,
    since what rebinding changes is the name)."""
    if not header:
        return False
    name = header.strip().lower()
    match = re.fullmatch(r"(\[[0-9a-f:.]+\]|[^:\[\]]+)(?::(\d{1,5}))?", name)
    if match is None:
        return False
    allowed = set(LOOPBACK_HOSTS)
    if explicit:
        explicit = explicit.strip().lower()
        bare_ipv6 = ":" in explicit and not explicit.startswith("[")
        allowed.add(f"[{explicit}]" if bare_ipv6 else explicit)
    return match[1] in allowed


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections are closed after a minute

    def log_message(self, format: str, *args) -> None:
        pass  # the terminal shows builds, not every request

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        live: DevServer = self.server.dev
        if not host_allowed(self.headers.get("Host"), live.host):
            body = b"misdirected request: this server answers only to its own address\n"
            return self._send(HTTPStatus.MISDIRECTED_REQUEST, body, _TYPES[".txt"], head)
        path = urlsplit(self.path).path
        state = live.builder.state
        if path == PREFIX + "events":
            return self._events(live, state)
        if path == PREFIX + "live.js":
            return self._send(HTTPStatus.OK, LIVE_JS.encode(), _TYPES[".js"], head)
        if path == PREFIX + "status":
            body = json.dumps(live.status()).encode()
            return self._send(HTTPStatus.OK, body, _TYPES[".json"], head)
        if path == "/" + PDF_PATH or path.startswith(f"/{PDF_PATH}/"):
            return self._pdf(live, state, path.removeprefix(f"/{PDF_PATH}").strip("/"), head)
        if state.site_dir is None:
            page = inject(_PLACEHOLDER, state, live.plan_dir)
            return self._send(HTTPStatus.SERVICE_UNAVAILABLE, page.encode(), _TYPES[".html"], head)
        target = resolve_request(state.site_dir, self.path)
        if target is None:
            page = inject(_NOT_FOUND, state, live.plan_dir)
            return self._send(HTTPStatus.NOT_FOUND, page.encode(), _TYPES[".html"], head)
        content_type = _TYPES.get(target.suffix) or (
            mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        )
        try:
            data = target.read_bytes()
        except OSError:  # pruned between resolving and reading
            return self._send(HTTPStatus.NOT_FOUND, b"not found", _TYPES[".txt"], head)
        if target.suffix == ".html":
            data = inject(data.decode("utf-8"), state, live.plan_dir).encode("utf-8")
        self._send(HTTPStatus.OK, data, content_type, head)

    def _pdf(self, live: DevServer, state: LiveState, edition: str, head: bool) -> None:
        """``/_pdf`` is the first edition, ``/_pdf/<edition>`` any other. The edition asked
        for becomes the one laid out after each save; its PDF is served only when made
        from the current sources (after waiting a little), else a page that says so."""
        previews = live.builder.previews
        if previews is None:
            return self._send(
                HTTPStatus.NOT_FOUND, b"PDF preview is off (--no-pdf)", _TYPES[".txt"], head
            )
        try:
            preview = previews.get(edition or None, wait=PDF_WAIT_SECONDS)
        except KeyError:
            return self._send(HTTPStatus.NOT_FOUND, b"no such edition", _TYPES[".txt"], head)
        if preview.data is not None:
            return self._send(HTTPStatus.OK, preview.data, _TYPES[".pdf"], head)
        if preview.problem is not None:
            page = _PDF_FAILED.format(problem=html_escape(preview.problem))
            page = inject(page, state, live.plan_dir)
            return self._send(HTTPStatus.OK, page.encode(), _TYPES[".html"], head)
        page = inject(_PDF_PENDING, state, live.plan_dir)
        self._send(HTTPStatus.SERVICE_UNAVAILABLE, page.encode(), _TYPES[".html"], head)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", _policy(content_type))
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if not head:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    def _events(self, live: DevServer, state: LiveState) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", FILE_CSP)
        self.send_header("Connection", "keep-alive")
        self.end_headers()
        inbox = live.subscribe()
        try:
            # First tell the page where the build stands, in case it changed
            # between the page loading and this connection opening.
            hello = {"type": "hello", "generation": state.generation, "failed": state.failed}
            if state.failed:
                hello["problems"] = [problem_json(p) for p in state.problems]
                hello["overlay"] = overlay_html(state.problems)
            self._write_event(hello)
            while not live.closing.is_set():
                try:
                    event = inbox.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                if event is None:
                    break
                self._write_event(event)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            live.unsubscribe(inbox)
            self.close_connection = True

    def _write_event(self, event: dict) -> None:
        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
        self.wfile.flush()


def _policy(content_type: str) -> str:
    if content_type.startswith("text/html"):
        return PAGE_CSP
    if content_type == _TYPES[".pdf"]:
        return PDF_CSP
    return FILE_CSP


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    dev: DevServer

    def handle_error(self, request, client_address) -> None:
        # Browsers drop keep-alive and event-stream connections all the time; that
        # is not worth a traceback in the terminal the founder is writing in.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) or self.dev.closing.is_set():
            return
        self.dev.log(f"error while answering {client_address[0]}: {type(exc).__name__}: {exc}")


_PLACEHOLDER = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>planbuilder preview</title></head>"
    "<body><p>No successful build yet.</p></body></html>"
)
_NOT_FOUND = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Not found</title></head>"
    "<body><h1>Not found</h1><p><a href='/'>Back to the dashboard</a></p></body></html>"
)
_PDF_PENDING = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><meta http-equiv='refresh' content='2'>"
    "<title>Laying out the PDF</title></head><body><p>The PDF is being laid out from the "
    "current sources; this page refreshes by itself.</p></body></html>"
)
_PDF_FAILED = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>PDF not made</title></head>"
    "<body><h1>The PDF could not be made</h1><pre>{problem}</pre></body></html>"
)


class DevServer:
    """Builds the plan, watches it, and serves the preview until ``stop()``."""

    def __init__(
        self,
        plan_dir: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        poll: bool = False,
        pdf: bool = True,
        today: dt.date | None = None,
        log: Callable[[str], None] = print,
        log_problems: Callable[[list[Problem]], None] = lambda problems: None,
        limits: Limits = DEFAULT_LIMITS,
    ):
        self.plan_dir = Path(plan_dir).resolve()
        self.host = host
        self.requested_port = port
        self.log = log
        self.closing = threading.Event()
        self._clients: set[queue.Queue] = set()
        self._clients_lock = threading.Lock()
        self._work_dir = Path(tempfile.mkdtemp(prefix="planbuilder-serve-"))
        self.builder = LiveBuilder(
            self.plan_dir,
            self._work_dir,
            pdf=pdf,
            today=today,
            on_event=self._on_build_event,
            log=log,
            log_problems=log_problems,
            limits=limits,
        )
        self.watcher = Watcher(self._changed, self._excluded, poll=poll)
        self._http: _Server | None = None
        self._http_thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> str:
        """Bind, build once, start watching and serving; return the URL."""
        self._http = self._bind()
        self._http.dev = self
        self.builder.build()
        self.watcher.watch(self.builder.state.watched)
        self.watcher.start()
        self.builder.start()
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, name="planbuilder-http", daemon=True
        )
        self._http_thread.start()
        return self.url

    @property
    def port(self) -> int:
        assert self._http is not None
        return self._http.server_address[1]

    @property
    def url(self) -> str:
        host = self.host if self.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    def stop(self) -> None:
        """Stop watching, building and serving; wait for every thread."""
        self.closing.set()
        self.broadcast(None)
        self.watcher.stop()
        self.builder.stop()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._http_thread is not None:
            self._http_thread.join(timeout=5)
        shutil.rmtree(self._work_dir, ignore_errors=True)

    def _bind(self) -> _Server:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        _Server.address_family = family
        explicit = self.requested_port is not None
        first = self.requested_port if explicit else DEFAULT_PORT
        candidates = [first] if explicit else [*range(first, first + 10), 0]
        for port in candidates:
            try:
                server = _Server((self.host, port), _Handler)
            except OSError as exc:
                if exc.errno in (errno.EADDRINUSE, errno.EACCES) and not explicit:
                    continue
                if exc.errno == errno.EADDRINUSE:
                    raise ServeError(
                        f"port {port} is already in use; choose another with --port, "
                        "or leave --port out to pick a free one"
                    ) from None
                raise ServeError(f"cannot listen on {self.host}:{port}: {exc.strerror}") from None
            if not explicit and port != first:
                self.log(f"port {first} is in use; serving on port {server.server_address[1]}")
            return server
        raise ServeError("no free port found")

    # -- watching ----------------------------------------------------------------
    def _excluded(self) -> list[Path]:
        return [self.builder.output_dir, self._work_dir]

    def _changed(self, path: Path) -> None:
        self.builder.queue.add(path)

    def _on_build_event(self, event: dict) -> None:
        # plan.yaml may have picked another theme (or added theme/): follow it.
        if event["type"] != "pdf" and not self.closing.is_set():
            self.watcher.watch(self.builder.state.watched)
        self.broadcast(event)

    # -- events to browsers ------------------------------------------------------
    def subscribe(self) -> queue.Queue:
        inbox: queue.Queue = queue.Queue()
        with self._clients_lock:
            self._clients.add(inbox)
        return inbox

    def unsubscribe(self, inbox: queue.Queue) -> None:
        with self._clients_lock:
            self._clients.discard(inbox)

    def broadcast(self, event: dict | None) -> None:
        with self._clients_lock:
            for inbox in self._clients:
                inbox.put(event)

    def status(self) -> dict:
        state = self.builder.state
        return {
            "generation": state.generation,
            "attempts": state.attempts,
            "failed": state.failed,
            "problems": [problem_json(p) for p in state.problems],
            "last_build_ms": round(state.last_duration * 1000),
            "incremental": state.incremental,
            "pdf_generation": state.pdf_generation,
            "pdf": self.builder.previews.status() if self.builder.previews else None,
            "clients": len(self._clients),
        }
