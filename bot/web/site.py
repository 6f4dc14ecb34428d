"""A static copy of the glossary pages: the same bytes the bot serves, for any static host."""

from __future__ import annotations

from pathlib import Path

from bot.content import Glossary
from bot.web.pages import ASSETS, asset, site_pages


def write_site(glossary: Glossary, out: Path) -> list[Path]:
    """Write index.html, <slug>/index.html per term, 404.html and static/…; returns the files written.
    Publish `out` as /glossary/ on the host: the pages link to /glossary/… addresses."""
    written = []
    for relative, html in site_pages(glossary):
        written.append(_write(out / relative, html.encode()))
    for name in ASSETS:
        written.append(_write(out / "static" / name, asset(name)))
    return written


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
