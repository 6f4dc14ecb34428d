"""The command line door: ask, chat, import, check and serve (`glossary-bot`, also `python -m bot`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.answer import Engine
from bot.content import ContentError, content_files
from bot.importer import import_pages, page_format_for
from bot.paths import shipped_dir
from bot.render import to_json_line, to_text
from bot.web.links import page_base
from bot.web.routes import serve_pages_in_background
from bot.web.site import write_site


def _content_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=None,
                        help="glossary folder (default: $GLOSSARY_CONTENT_DIR, else the shipped seeds/)")
    parser.add_argument("--intents", type=Path, default=None,
                        help="intents folder (default: $GLOSSARY_INTENTS_DIR, else the shipped intents/)")


def _web_port_arg(parser: argparse.ArgumentParser, note: str = "") -> None:
    parser.add_argument("--web-port", type=int, default=None,
                        help=f"serve the glossary pages at /glossary/ on this port {note}".strip())


def intents_dir(args: argparse.Namespace) -> Path:
    return args.intents or Path(os.environ.get("GLOSSARY_INTENTS_DIR") or shipped_dir("intents"))


def content_dirs(args: argparse.Namespace) -> tuple[Path, Path]:
    content = args.content or Path(os.environ.get("GLOSSARY_CONTENT_DIR") or shipped_dir("seeds"))
    return content, intents_dir(args)


def cache_dir(env: dict[str, str] | os._Environ[str] = os.environ) -> Path | None:
    """Where validated terms are cached between runs: $GLOSSARY_CACHE_DIR ("off" turns it off),
    else $XDG_CACHE_HOME/glossary-bot, else ~/.cache/glossary-bot."""
    chosen = env.get("GLOSSARY_CACHE_DIR")
    if chosen:
        return None if chosen == "off" else Path(chosen)
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "glossary-bot"


def load_engine(args: argparse.Namespace, cached: bool = True) -> Engine:
    content, intents = content_dirs(args)
    base = page_base(os.environ.get("GLOSSARY_BASE_URL") or None, os.environ.get("GLOSSARY_PUBLIC_URL") or None)
    return Engine.load(content, intents, base, cache_dir() if cached else None)


def open_pages(args: argparse.Namespace, engine: Engine) -> None:
    """`--web-port`: serve the pages on 127.0.0.1 and, unless links go elsewhere, link answers to them.
    Without any link setting, say once (stderr) how to get links."""
    if args.web_port is not None:
        port = serve_pages_in_background(lambda: engine.glossary, args.web_port)
        print(f"Glossary pages: http://127.0.0.1:{port}/glossary/", file=sys.stderr)
        engine.base_url = engine.base_url or f"http://127.0.0.1:{port}/glossary"
    elif not engine.base_url:
        print("No links to term pages: set GLOSSARY_PUBLIC_URL (or GLOSSARY_BASE_URL), or pass --web-port N to "
              "serve them here.", file=sys.stderr)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def cmd_ask(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    open_pages(args, engine)
    questions = [" ".join(args.question)] if args.question else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        if not args.question and not question.strip():
            continue
        answer = engine.ask(question)
        print(to_json_line(answer) if args.json else to_text(answer) + ("" if args.question else "\n"), flush=True)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    open_pages(args, engine)
    print(f"Glossary bot, {_count(len(engine.glossary.terms), 'term')}. Ask a question; an empty line or Ctrl-D quits.")
    while True:
        try:
            question = input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question.strip() or question.strip() in {"quit", "exit"}:
            return 0
        print(to_text(engine.ask(question)) + "\n", flush=True)


def cmd_import(args: argparse.Namespace) -> int:
    files = [p for arg in args.pages for p in (content_files(arg) if arg.is_dir() else [arg])]  # a folder: its files
    for path in import_pages(files, args.out, page_format_for(intents_dir(args))):
        print(f"wrote {path}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    page_format_for(content_dirs(args)[1])  # the page format is checked even when every term is YAML
    engine = load_engine(args, cached=False)  # check reads and validates every file, always
    print(f"ok: {_count(len(engine.glossary.terms), 'term')}, {_count(len(engine.matcher.intents), 'intent')}")
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    written = write_site(load_engine(args).glossary, args.out)
    print(f"wrote {_count(len(written), 'file')} to {args.out} (publish it as /glossary/ on your host)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.server import serve  # Slack libraries load only for the Slack door

    return serve(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glossary-bot", description="Answer glossary questions, locally or in Slack.")
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
    imp.add_argument("--out", type=Path, required=True)
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
    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode, or HTTP with --http)")
    _content_arg(serve)
    serve.add_argument("--http", action="store_true", help="serve Slack's HTTP requests instead of Socket Mode")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default: $PORT, else 3000)")
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY") or 1),
                       help="HTTP worker processes sharing the port (default: $WEB_CONCURRENCY, else 1)")
    _web_port_arg(serve, "(Socket Mode; HTTP mode serves them on --port)")
    serve.set_defaults(run=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ContentError as exc:
        print(f"glossary-bot: content problems:\n{exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
