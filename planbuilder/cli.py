"""The ``planbuilder`` command: a thin shell over ``planbuilder.build``.

Exit codes: 0 success, 1 the plan has errors (or the output was refused),
2 the command line itself was wrong, 3 an internal error (a bug in planbuilder):
it prints one line and a hint, and the traceback only with ``--debug``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from planbuilder import __version__
from planbuilder.diagnostics import display_path as _display_path
from planbuilder.diagnostics import errors_first, problem_text
from planbuilder.diagnostics import summary as _summary
from planbuilder.problems import Problem
from planbuilder.scaffold import TEMPLATES

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_INTERNAL = 3


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _color(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def print_problems(problems: Sequence[Problem], stream=None) -> None:
    """Print ``file:line:col: severity: message`` lines with hints, to stderr by default."""
    stream = stream or sys.stderr
    color = _color(stream)
    for problem in errors_first(problems):
        print(problem_text(problem, color=color), file=stream)


def _limits(args: argparse.Namespace):
    """The per-file limits: the defaults, or those the user raised with ``--max-file-mib``
    (an option of the command line only: nothing in a plan can raise them)."""
    from planbuilder.load import DEFAULT_LIMITS, Limits

    mib = getattr(args, "max_file_mib", None)
    return DEFAULT_LIMITS if mib is None else Limits.for_file_mib(mib)


def _mib(text: str) -> int:
    """An argparse ``type``: a whole number of MiB, at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of MiB (1 or more): {text!r}")
    return value


def _limits_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--max-file-mib",
        type=_mib,
        metavar="N",
        help="for a large plan you trust: read files of up to N MiB (default 5), "
        "and YAML values in proportion (default 200,000 a file)",
    )


@contextlib.contextmanager
def _importing():
    """A process's modules imported with the collector off, and what they made frozen
    after (``gc.freeze``): classes, functions and tables live until the process ends, so
    walking them in collections, again and again, is wasted (0.015 s of a command)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def _cmd_check(args: argparse.Namespace) -> int:
    from planbuilder.build import check

    if getattr(args, "format", "text") == "json":
        return _cmd_check_json(args)

    result = check(args.plan, strict=args.strict, limits=_limits(args))
    print_problems(result.problems)
    if not result.ok:
        print(f"{_display_path(result.root)}: {_summary(result.problems)}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{_display_path(result.root)}: plan is valid ({_summary(result.problems)})")
    return EXIT_OK


def _cmd_figures(args: argparse.Namespace) -> int:
    """List every figure prose may quote as ``{=name}``, with its value for the plan."""
    import json

    from planbuilder.build import prepare
    from planbuilder.figures import plain_value
    from planbuilder.render.figures import format_figure
    from planbuilder.render.formatting import Formatter

    prepared = prepare(args.plan, strict=args.strict, limits=_limits(args))
    print_problems([p for p in prepared.problems if p.is_error])
    if not prepared.ok:
        print(f"{_display_path(prepared.root)}: {_summary(prepared.problems)}", file=sys.stderr)
        return EXIT_PROBLEMS
    meta = prepared.report.plan.meta
    fmt = Formatter(meta.locale, meta.currency)
    rows = [(f, format_figure(f, fmt)) for f in prepared.report.figures]
    if args.format == "json":
        data = [
            {"name": f.name, "kind": f.kind, "value": plain_value(f), "text": text}
            for f, text in rows
        ]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    width = max((len(f.name) for f, _ in rows), default=0)
    for figure, text in rows:
        print(f"{figure.name:<{width}}  {text}")
    return EXIT_OK


class Progress:
    """Phases of a build on stderr: one line per phase; on a terminal, a phase's detail
    (the pages of a PDF as they are laid out) updates that phase's own line in place, so
    editions laid out in parallel each count up on their line; ``--verbose`` times every
    message. Messages may come from several threads."""

    #: ``planbuilder.pdfcache.PAGE_SEPARATOR`` (not imported: it would load the PDF code)
    SEPARATOR = " · "
    #: A line further up than this has scrolled away: it is not updated any more.
    REACH = 20

    def __init__(self, quiet: bool, verbose: bool, stream=None):
        self.stream = stream or sys.stderr
        self.show = verbose or not quiet
        self.verbose = verbose
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()
        self.lines: list[str] = []  # the phases shown, the last one on the open line
        self.open = False  # a terminal line is waiting for its end
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        with self._lock:
            self._show(message)

    def _show(self, message: str) -> None:
        now = time.perf_counter()
        if self.verbose:
            print(f"[{now - self.started:6.2f} s] {message}", file=self.stream, flush=True)
            return
        if not self.show:
            return
        phase = message.rsplit(self.SEPARATOR, 1)[0] if self.SEPARATOR in message else message
        known = phase in self.lines
        if not self.tty:
            if not known:
                print(f"{phase}…", file=self.stream, flush=True)
                self.lines.append(phase)
            return
        up = len(self.lines) - 1 - self.lines.index(phase) if known else 0
        if known and up > self.REACH:
            return
        if not known:
            if self.open:
                self.stream.write("\n")
            self.lines.append(phase)
        if up:  # that phase's line is further up: go there, rewrite it, come back
            self.stream.write(f"\033[{up}A\r\033[K{message}…\033[{up}B\r")
        else:
            self.stream.write(f"\r\033[K{message}…")
        self.stream.flush()
        self.open = True

    def done(self) -> None:
        """End the terminal's open line, before the build's own output."""
        with self._lock:
            if self.open:
                self.stream.write("\n")
                self.stream.flush()
                self.open = False


@contextlib.contextmanager
def _layout_pool(args: argparse.Namespace):
    """Worker processes for the PDF layouts (``--jobs``, default one per core), the
    first started at once: it imports WeasyPrint while this process checks the plan and
    renders the print documents, on another core. ``None`` (lay out here) on one core."""
    cores = os.cpu_count() or 1
    if getattr(args, "no_pdf", False) or (not args.jobs and cores < 2):
        yield None
        return
    from planbuilder.pdfcache import LayoutPool

    pool = LayoutPool(args.jobs or cores)
    pool.start(1)
    try:
        yield pool
    finally:
        pool.close(terminate=True)


def _report_pdfs(result, quiet: bool) -> None:
    for path in result.pdf_paths:
        note = " (unchanged, not laid out again)" if path in result.reused else ""
        if not quiet or note:
            print(f"pdf:  {_display_path(path)}{note}")


def _cmd_build(args: argparse.Namespace) -> int:
    from planbuilder.build import build

    started = time.perf_counter()
    progress = Progress(args.quiet, args.verbose)
    with _layout_pool(args) as pool:
        result = build(
            args.plan,
            args.output,
            pdf=not args.no_pdf,
            strict=args.strict,
            edition=args.edition,
            paper=args.paper,
            progress=progress,
            changes_since=args.changes_since,
            pool=pool,
            limits=_limits(args),
        )
    progress.done()
    print_problems(result.problems)
    if not result.ok:
        print(
            f"{_display_path(result.root)}: build failed ({_summary(result.problems)}); "
            "previous output left untouched",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    elapsed = time.perf_counter() - started
    if args.quiet:
        _report_pdfs(result, quiet=True)
        return EXIT_OK
    if result.site_dir:
        print(f"site: {_display_path(result.site_dir / 'index.html')}")
    _report_pdfs(result, quiet=False)
    print(f"built in {elapsed:.1f} s ({_summary(result.problems)})")
    return EXIT_OK


def _cmd_pdf(args: argparse.Namespace) -> int:
    from planbuilder.build import build_pdf

    progress = Progress(args.quiet, args.verbose)
    with _layout_pool(args) as pool:
        result = build_pdf(
            args.plan,
            args.output,
            strict=args.strict,
            edition=args.edition,
            paper=args.paper,
            progress=progress,
            pool=pool,
            limits=_limits(args),
        )
    progress.done()
    print_problems(result.problems)
    if not result.ok:
        print(
            f"{_display_path(result.root)}: PDF not written ({_summary(result.problems)})",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    if not args.quiet:
        for path in result.pdf_paths:
            print(f"pdf: {_display_path(path)}")
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    from planbuilder.scaffold import ScaffoldRefused, create_plan

    try:
        created = create_plan(
            Path(args.directory), title=args.title, company=args.company, template=args.template
        )
    except ScaffoldRefused as exc:
        print(f"{_display_path(Path(args.directory))}: error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"created a new plan in {_display_path(created)}")
    print(f"next: edit {_display_path(created / 'plan.yaml')}, then run")
    print(f"  planbuilder build {_display_path(created)}")
    print("every field of every file: planbuilder reference")
    return EXIT_OK


def _cmd_reference(args: argparse.Namespace) -> int:
    from planbuilder.reference import reference_text

    sys.stdout.write(reference_text(args.file))
    return EXIT_OK


def _choice(*options: str):
    """An argparse ``type`` that accepts a choice in any letter case (``--paper a4``)."""
    canonical = {option.lower(): option for option in options}

    def convert(text: str) -> str:
        return canonical.get(text.lower(), text)

    return convert


def _cmd_serve(args: argparse.Namespace) -> int:
    import threading

    from planbuilder.serve import DevServer, ServeError

    if not (Path(args.plan) / "plan.yaml").is_file():
        print(f"{args.plan}: error: no plan.yaml here", file=sys.stderr)
        print("    hint: pass the folder that holds plan.yaml", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: serving on {args.host}: anyone who can reach this machine can read the plan",
            file=sys.stderr,
        )

    def log(line: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)

    server = DevServer(
        args.plan,
        host=args.host,
        port=args.port,
        poll=args.poll,
        pdf=not args.no_pdf,
        log=log,
        log_problems=print_problems,
        limits=_limits(args),
    )
    try:
        url = server.start()
    except ServeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        server.stop()
        return EXIT_PROBLEMS
    log(f"serving {_display_path(Path(args.plan).resolve())} at {url} (Ctrl-C to stop)")
    if args.open:
        import webbrowser

        webbrowser.open(url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        log("stopped")
    return EXIT_OK


# -- plans under git: diff, export, schema, check --format json -----------------------


def _cmd_check_json(args: argparse.Namespace) -> int:
    """``check --format json``: one JSON document on stdout, for CI and editors."""
    import json

    from planbuilder.build import check
    from planbuilder.diagnostics import problem_json

    result = check(args.plan, strict=args.strict, limits=_limits(args))
    errors = len(result.errors)
    document = {
        "plan": _display_path(result.root),
        "ok": result.ok,
        "summary": {"errors": errors, "warnings": len(result.problems) - errors},
        "problems": [problem_json(p) for p in result.problems],
    }
    print(json.dumps(document, indent=2, ensure_ascii=False))
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def _diff_arguments(values: Sequence[str]) -> tuple[str, str, Path] | None:
    """``[REV1] [REV2] [PLAN]``: a last value naming a folder is the plan."""
    from planbuilder.diff import WORKTREE

    values = list(values)
    plan = Path(".")
    if values and (len(values) == 3 or Path(values[-1]).is_dir()):
        plan = Path(values.pop())
    if len(values) > 2:
        return None
    before = values[0] if values else "HEAD"
    after = values[1] if len(values) > 1 else WORKTREE
    return before, after, plan


def _cmd_diff(args: argparse.Namespace) -> int:
    from planbuilder.diff import GitError, diff_plan, render

    parsed = _diff_arguments(args.values)
    if parsed is None:
        print("error: give at most two revisions and a plan folder", file=sys.stderr)
        return 2
    before, after, plan = parsed
    try:
        result, failed = diff_plan(plan, before, after, limits=_limits(args))
    except GitError as exc:
        print(f"{_display_path(plan.resolve())}: error: {exc}", file=sys.stderr)
        print(
            "    hint: `planbuilder diff` compares commits of a plan kept in git", file=sys.stderr
        )
        return EXIT_PROBLEMS
    if result is None:
        for revision, problems in failed:
            print(f"the plan at {revision} does not validate:", file=sys.stderr)
            print_problems(problems)
        return EXIT_PROBLEMS
    sys.stdout.write(render(result, args.format))
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from planbuilder.build import prepare
    from planbuilder.export import ExportError, export

    prepared = prepare(args.plan, strict=args.strict, limits=_limits(args))
    print_problems(prepared.problems)
    if not prepared.ok:
        print(
            f"{_display_path(prepared.root)}: not exported ({_summary(prepared.problems)})",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    try:
        written = export(prepared.report, args.format, args.output)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    for path in written:
        print(f"{args.format}: {_display_path(path)}", file=sys.stderr)
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from planbuilder.scaffold import write_schemas

    for path in write_schemas(Path(args.output)):
        print(f"schema: {_display_path(path)}")
    return EXIT_OK


def _add_git_commands(command, plan_argument) -> None:
    """Parsers of ``diff``, ``export`` and ``schema``."""
    diff = command(
        "diff",
        "Show what changed in the plan between two git revisions: milestones, goals, "
        "KPIs, funding and headline figures (default: HEAD against the working tree).",
        "planbuilder diff main HEAD my-plan --format markdown",
    )
    diff.add_argument(
        "values",
        nargs="*",
        metavar="[REV1] [REV2] [PLAN]",
        help="revisions (default HEAD and the working tree) and the plan folder (default .)",
    )
    diff.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="output format"
    )
    _limits_option(diff)
    diff.set_defaults(func=_cmd_diff)

    export = command(
        "export",
        "Export the computed plan as JSON, CSV (a folder of tables) or an iCalendar file.",
        "planbuilder export my-plan --format ics -o milestones.ics",
    )
    plan_argument(export)
    export.add_argument("--format", choices=("json", "csv", "ics"), required=True)
    export.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="OUT",
        help="file (a folder for csv); default: stdout for json and ics, ./<plan>-csv for csv",
    )
    export.set_defaults(func=_cmd_export)

    schema = command(
        "schema",
        "Write a JSON Schema for every YAML file of a plan, for editor completion.",
        "planbuilder schema my-plan/.schemas",
    )
    schema.add_argument("output", metavar="OUT", help="folder to write the schema files into")
    schema.set_defaults(func=_cmd_schema)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planbuilder",
        description="Build a business plan website and PDF from YAML and Markdown sources.",
        epilog="example:\n  planbuilder build sample-plan\n\n"
        "Run `planbuilder COMMAND --help` for the options of one command.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"planbuilder {__version__}")
    debug_help = "on an internal error, show the full traceback (to report it)"
    parser.add_argument("--debug", action="store_true", help=debug_help)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def command(name: str, help_text: str, example: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=f"example:\n  {example}",
            formatter_class=_Formatter,
        )
        # Also after the command name; SUPPRESS keeps a `--debug` given before it.
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
        return sub

    def plan_argument(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("plan", metavar="PLAN", help="the plan folder (it holds plan.yaml)")
        sub.add_argument(
            "--strict", action="store_true", help="treat warnings as errors (exit 1 on any)"
        )
        _limits_option(sub)

    def pdf_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--edition", metavar="NAME", help="only this edition (see `editions:` in plan.yaml)"
        )
        sub.add_argument(
            "--paper",
            type=_choice("A4", "letter"),
            choices=("A4", "letter"),
            help="paper size (default: `paper:` or A4)",
        )
        sub.add_argument(
            "-j",
            "--jobs",
            type=int,
            metavar="N",
            help="lay out at most N PDFs at once, each in its own process (default: one per core)",
        )
        sub.add_argument("-q", "--quiet", action="store_true", help="print only problems")
        sub.add_argument(
            "-v", "--verbose", action="store_true", help="print each phase with its time"
        )

    check = command(
        "check",
        "Validate a plan and print every problem; write nothing.",
        "planbuilder check my-plan --strict",
    )
    plan_argument(check)
    check.add_argument(
        "--format", choices=("text", "json"), default="text", help="json: for CI and editors"
    )
    check.set_defaults(func=_cmd_check)

    build = command(
        "build",
        "Build the HTML site and the PDF (default output: PLAN/_build/).",
        "planbuilder build my-plan -o public --no-pdf",
    )
    plan_argument(build)
    build.add_argument(
        "-o", "--output", type=Path, metavar="OUT", help="output folder (default: PLAN/_build)"
    )
    build.add_argument("--no-pdf", action="store_true", help="build only the HTML site")
    build.add_argument(
        "--changes-since",
        metavar="REV",
        help="mark on the site what changed since this git revision (for review)",
    )
    pdf_options(build)
    build.set_defaults(func=_cmd_build)

    pdf = command(
        "pdf",
        "Build only the PDF business plan.",
        "planbuilder pdf my-plan --edition lender -o loan-application.pdf",
    )
    plan_argument(pdf)
    pdf.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="PDF file (default: PLAN/_build/<name>.pdf)",
    )
    pdf_options(pdf)
    pdf.set_defaults(func=_cmd_pdf)

    serve = command(
        "serve",
        "Live preview: build, watch the plan and reload the browser on every save.",
        "planbuilder serve my-plan --open",
    )
    serve.add_argument("plan", metavar="PLAN", help="the plan folder (it holds plan.yaml)")
    serve.add_argument(
        "--port", type=int, default=None, help="port (default 8000, or the next free one)"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--open", action="store_true", help="open the preview in a browser")
    serve.add_argument(
        "--poll", action="store_true", help="poll for changes (network drives, containers)"
    )
    serve.add_argument("--no-pdf", action="store_true", help="do not build the PDF preview")
    _limits_option(serve)
    serve.set_defaults(func=_cmd_serve)

    figures = command(
        "figures",
        "List every figure chapters may quote as {=name}, with its current value.",
        "planbuilder figures my-plan --format json",
    )
    plan_argument(figures)
    figures.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    figures.set_defaults(func=_cmd_figures)

    new = command(
        "new",
        "Create a complete, valid, commented plan to start from.",
        'planbuilder new my-plan --template exporter --company "Example Studio LLC"',
    )
    new.add_argument("directory", metavar="DIR", help="folder to create (must be empty or absent)")
    new.add_argument("--title", default=None, help="plan title")
    new.add_argument("--company", default=None, help="company name")
    new.add_argument(
        "--template",
        type=_choice(*TEMPLATES),
        choices=TEMPLATES,
        default="small-business",
        help="the kind of business to start from (default: small-business)",
    )
    new.set_defaults(func=_cmd_new)

    reference = command(
        "reference",
        "Print every field of the plan files: type, required, default and meaning.",
        "planbuilder reference milestones.yaml",
    )
    reference.add_argument(
        "file",
        metavar="FILE",
        nargs="?",
        type=_choice(*_reference_files()),
        choices=_reference_files(),
        help="only this file, e.g. plan.yaml (default: every file)",
    )
    reference.set_defaults(func=_cmd_reference)
    _add_git_commands(command, plan_argument)
    return parser


def _reference_files() -> tuple[str, ...]:
    from planbuilder.reference import file_names

    return file_names()


#: Commands that run the pipeline (``planbuilder.build`` and the stages it imports).
_PIPELINE_COMMANDS = frozenset((_cmd_check, _cmd_build, _cmd_pdf, _cmd_figures, _cmd_export))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in ``argv``, or, when ``None``, the process's own command line."""
    code = _run(argv)
    if argv is None:
        # The process ends now, and what it holds goes with it: frozen, that is no longer
        # walked by the collections Python makes on the way out (0.05 s after a large
        # plan's build). Everything is still freed and every exit handler runs.
        gc.freeze()
    return code


def _run(argv: Sequence[str] | None) -> int:
    own = argv is None  # the process's own command line: the process is this command's
    with _importing() if own else contextlib.nullcontext():
        parser = make_parser()  # it lists the plan files' names: records and what it needs
        if not (sys.argv[1:] if argv is None else argv):
            parser.print_help()  # no arguments at all: show what the tool can do
            return EXIT_OK
        args = parser.parse_args(argv)
        if own and args.func in _PIPELINE_COMMANDS:
            import planbuilder.build  # noqa: F401 - the command's modules, all of them here
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the last edge: a bug must not look like a plan problem
        report_internal_error(exc, debug=args.debug or bool(os.environ.get("PLANBUILDER_DEBUG")))
        return EXIT_INTERNAL


def report_internal_error(exc: BaseException, *, debug: bool, stream=None) -> None:
    """One line and a hint for a bug in planbuilder; the traceback only when debugging."""
    stream = stream or sys.stderr
    if debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=stream)
    print(
        f"planbuilder: internal error, please report it ({type(exc).__name__}: {exc})\n"
        "    hint: this is a bug in planbuilder, not in your plan; "
        + (
            "include the traceback above in the report"
            if debug
            else "run the same command with --debug to see the traceback, and include it"
        ),
        file=stream,
    )
