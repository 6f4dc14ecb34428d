"""The command line door: ask, chat, import, check and serve (`glossary-bot`, also `python -m bot`).

Over 300 lines: one short function per subcommand beside the one parser that names them all."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import errno
import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NoReturn

from bot.answer import Answer, Engine
from bot.chat import QUIT, Conversation, plain
from bot.content import ContentError
from bot.digest import digest_text
from bot.importer import page_format_for, write_import
from bot.loader import content_files, skipped_files
from bot.names import shared_names
from bot.owners import stale_terms, stale_warning
from bot.render import to_json, to_json_line, to_text
from bot.report import Report, build_report, report_text
from bot.settings import Local, SettingsError, intents_dir, local_settings, loop_settings, port_number, worker_count
from bot.settings import cache_dir as settings_cache_dir
from bot.store.base import Rows, StoreError
from bot.web.routes import serve_pages_in_background
from bot.web.site import write_site

logger = logging.getLogger("glossary_bot.content")
STALE_WARNINGS = 20  # check names this many stale terms; a large glossary's full list is in the report


class _Parser(argparse.ArgumentParser):
    """Argument mistakes are one sentence and exit 2, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _content_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=None,
                        help="glossary folder (default: $GLOSSARY_CONTENT_DIR, else the shipped seeds/)")
    parser.add_argument("--intents", type=Path, default=None,
                        help="intents folder (default: $GLOSSARY_INTENTS_DIR, else the shipped intents/)")


def local(args: argparse.Namespace, cached: bool = True) -> Local:
    """The folders, links and cache for this command: read once, from the arguments then the environment."""
    return local_settings(content=getattr(args, "content", None), intents=args.intents, cached=cached)


def _web_port(raw: str) -> int:
    """--web-port: a port, or 0 for any free one."""
    return 0 if raw.strip() == "0" else _port(raw)


def _web_port_arg(parser: argparse.ArgumentParser, note: str = "") -> None:
    parser.add_argument("--web-port", type=_web_port, default=None,
                        help=f"serve the glossary pages at /glossary/ on this port {note}".strip())


def content_dirs(args: argparse.Namespace) -> tuple[Path, Path]:
    chosen = local(args, cached=False)
    return chosen.content_dir, chosen.intents_dir


def cache_dir() -> Path | None:
    return settings_cache_dir()


def load_engine(args: argparse.Namespace, cached: bool = True, chosen: Local | None = None) -> Engine:
    """The engine on this command's glossary; anything in the folder that is not read gets a warning."""
    chosen = chosen or local(args, cached)
    for note in skipped_files(chosen.content_dir):
        logger.warning("%s", note)
    return Engine.load(chosen.content_dir, chosen.intents_dir, chosen.base_url, chosen.cache_dir)


def _port(raw: str) -> int:
    try:
        return port_number(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _workers(raw: str) -> int:
    try:
        return worker_count(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def open_pages(args: argparse.Namespace, engine: Engine) -> None:
    """`--web-port`: serve the pages on 127.0.0.1 and, unless links go elsewhere, link answers to them.
    Without any link setting, say once (on stderr, at a terminal) how to get links."""
    if args.web_port is not None:
        port = serve_pages_in_background(lambda: engine.glossary, args.web_port)
        print(f"Glossary pages: http://127.0.0.1:{port}/glossary/", file=sys.stderr)
        engine.base_url = engine.base_url or f"http://127.0.0.1:{port}/glossary"
    elif not engine.base_url and sys.stdin.isatty():  # a hint for a person at a terminal, not for a script
        print("No links to term pages: set GLOSSARY_PUBLIC_URL (or GLOSSARY_BASE_URL), or pass --web-port N to "
              "serve them here.", file=sys.stderr)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def cmd_ask(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    open_pages(args, engine)
    if args.question:
        questions: Iterable[str] = [" ".join(args.question)]
    else:
        if sys.stdin.isatty():
            print("Type one question per line; Ctrl-D ends. (For a conversation: glossary-bot chat)",
                  file=sys.stderr, flush=True)
        questions = (line.rstrip("\r\n") for line in sys.stdin)
    for question in questions:
        if not question.strip():  # one reply per input line, so a script can pair them up
            if args.json:
                print(json.dumps({**to_json(Answer("unknown", question)), "text": ""}, ensure_ascii=False), flush=True)
            continue
        answer = engine.ask(question)
        print(to_json_line(answer) if args.json else to_text(answer) + ("" if args.question else "\n"), flush=True)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    open_pages(args, engine)
    conversation = Conversation(engine)
    at_terminal = sys.stdin.isatty()
    if at_terminal:
        with contextlib.suppress(ImportError):  # line editing and history (arrow keys), where available
            import readline  # noqa: F401
    print(conversation.welcome() + "\n", flush=True)
    while True:
        try:
            line = input("> " if at_terminal else "")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if plain(line) in QUIT:
            return 0
        reply = conversation.reply(line)
        if reply:
            print(reply + "\n", flush=True)


def cmd_import(args: argparse.Namespace) -> int:
    files = [p for arg in args.pages for p in (content_files(arg) if arg.is_dir() else [arg])]  # a folder: its files
    for plan in write_import(files, args.out, page_format_for(intents_dir(chosen=args.intents)), args.force):
        print(f"{plan.status} {plan.path}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    chosen = local(args, cached=False)  # check reads and validates every file, always
    page_format_for(chosen.intents_dir)  # the page format is checked even when every term is YAML
    engine = load_engine(args, chosen=chosen)
    for warning in shared_names(engine.glossary.terms):
        print(f"warning: {warning}")
    stale_days = loop_settings().stale_days
    stale = stale_terms(engine.glossary.terms, dt.date.today(), stale_days)
    for term in stale[:STALE_WARNINGS]:  # a reminder, not a failure
        print(f"warning: {stale_warning(term, dt.date.today(), stale_days)}")
    if len(stale) > STALE_WARNINGS:
        print(f"warning: … and {len(stale) - STALE_WARNINGS} more terms may be out of date "
              "(glossary-bot report lists them all)")
    print(f"ok: {_count(len(engine.glossary), 'term')}, {_count(len(engine.matcher.intents), 'intent')}")
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    written = write_site(load_engine(args).glossary, args.out)
    print(f"wrote {_count(len(written), 'file')} to {args.out} (publish it as /glossary/ on your host)")
    return 0


def _loop_report(args: argparse.Namespace) -> tuple[Engine, Report]:
    """The report over the last --days days, from the store GLOSSARY_STATE_URL names."""
    from bot.store import is_postgres, open_store, sqlite_path

    engine, loop = load_engine(args), loop_settings()
    today = dt.datetime.now(dt.UTC).date()
    if not is_postgres(loop.state_url) and not sqlite_path(loop.state_url).exists():
        # Nothing recorded yet: say so, rather than leave an empty database file behind.
        print(f"glossary-bot: note: no state database at {sqlite_path(loop.state_url)} yet (GLOSSARY_STATE_DB or "
              "GLOSSARY_STATE_URL): nothing has been recorded", file=sys.stderr)
        return engine, build_report(Rows([], [], [], [], []), engine.glossary, today, loop.stale_days)

    async def read() -> Rows:
        store = await open_store(loop.state_url, budget=60)  # a person waits, not Slack: a long budget is fine
        try:
            return await store.rows(time.time() - args.days * 86400)
        finally:
            await store.aclose()

    return engine, build_report(asyncio.run(read()), engine.glossary, today, loop.stale_days)


def cmd_report(args: argparse.Namespace) -> int:
    _, report = _loop_report(args)
    print(json.dumps(report.as_json(), ensure_ascii=False, indent=2) if args.json else report_text(report, args.days))
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    if not args.dry_run:
        print("glossary-bot digest: serve posts the digest weekly (GLOSSARY_DIGEST_CHANNEL); "
              "--dry-run prints it here", file=sys.stderr)
        return 2
    engine, report = _loop_report(args)
    print(digest_text(report, engine.glossary))
    return 0


def _days(raw: str) -> int:
    if not raw.strip().isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of days, 1 or more (got {raw!r})")
    return int(raw)


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.slack.server import serve  # Slack libraries load only for the Slack door

    for note in skipped_files(content_dirs(args)[0]):  # before logging starts, so print them as the others do
        print(f"glossary-bot: warning: {note}", file=sys.stderr)
    try:
        return serve(args, *content_dirs(args))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        bound = re.search(r", (\d+)\)", str(exc))  # asyncio names the address: ('0.0.0.0', 3000)
        where = f"port {args.port or (bound.group(1) if bound else '')}".strip()
        print(f"glossary-bot serve: {where} is already in use by another program; stop it or choose "
              "another port with --port", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="glossary-bot", description="Answer glossary questions, locally or in Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question (arguments) or one per line (stdin)")
    _content_arg(ask)
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("question", nargs="*")
    _web_port_arg(ask)
    ask.set_defaults(run=cmd_ask)
    chat = sub.add_parser("chat", help="an interactive console on the same engine, no Slack needed")
    _content_arg(chat)
    _web_port_arg(chat)
    chat.set_defaults(run=cmd_chat)
    imp = sub.add_parser("import", help="convert pages (.txt), Markdown (.md) and CSV (.csv) into YAML term files")
    imp.add_argument("pages", nargs="+", type=Path, help="files, or folders of them")
    imp.add_argument("--out", type=Path, required=True, help="the folder to write YAML term files in")
    imp.add_argument("--force", action="store_true",
                     help="replace files that were edited by hand (or not written by import)")
    imp.add_argument("--intents", type=Path, default=None,
                     help="read pages with the headings.yaml in this folder (default: as for ask)")
    imp.set_defaults(run=cmd_import)
    check = sub.add_parser("check", help="load and validate every content file; non-zero exit on problems")
    _content_arg(check)
    check.set_defaults(run=cmd_check)
    site = sub.add_parser("site", help="write the glossary web pages as a static site")
    _content_arg(site)
    site.add_argument("--out", type=Path, required=True, help="folder to write (publish it as /glossary/)")
    site.set_defaults(run=cmd_site)
    report = sub.add_parser("report", help="what people asked and rated: unanswered questions, votes, stale "
                                           "terms, suggestions")
    _content_arg(report)
    report.add_argument("--json", action="store_true", help="one JSON object (see the README for its shape)")
    report.add_argument("--days", type=_days, default=30, help="look back this many days (default 30)")
    report.set_defaults(run=cmd_report)
    digest = sub.add_parser("digest", help="the weekly digest serve posts; --dry-run prints it")
    _content_arg(digest)
    digest.add_argument("--dry-run", action="store_true", help="print the digest instead of posting it")
    digest.add_argument("--days", type=_days, default=7, help=argparse.SUPPRESS)
    digest.set_defaults(run=cmd_digest)
    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode, or HTTP with --http)")
    _content_arg(serve)
    serve.add_argument("--http", action="store_true", help="serve Slack's HTTP requests instead of Socket Mode")
    serve.add_argument("--port", type=_port, default=None, help="HTTP port, 1–65535 (default: $PORT, else 3000)")
    serve.add_argument("--workers", type=_workers, default=None,
                       help="HTTP worker processes sharing the port (default: $WEB_CONCURRENCY, else 1)")
    _web_port_arg(serve, "(Socket Mode; HTTP mode serves them on --port)")
    serve.set_defaults(run=cmd_serve)
    return parser


class _Warnings(logging.Handler):
    """Warnings from the glossary code (a skipped file, a line that looks like a heading) as one line
    each on stderr, for the commands other than `serve` (which logs them)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        print(f"glossary-bot: warning: {record.getMessage()}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings = None if args.command == "serve" else _Warnings()
    if warnings:
        logging.getLogger("glossary_bot").addHandler(warnings)
    try:
        return int(args.run(args))
    except (SettingsError, StoreError) as exc:
        print(f"glossary-bot {args.command}: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        if len(exc.problems) == 1:
            print(f"glossary-bot {args.command}: {exc.problems[0]}", file=sys.stderr)
        else:
            print(f"glossary-bot {args.command}: {len(exc.problems)} content problems:\n{exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:  # Ctrl-C: stop quietly, as shells expect
        print(file=sys.stderr)
        return 130
    finally:
        if warnings:
            logging.getLogger("glossary_bot").removeHandler(warnings)


if __name__ == "__main__":
    sys.exit(main())
