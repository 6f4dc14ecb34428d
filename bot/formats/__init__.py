"""Glossary formats teams already have, read into terms: Markdown pages (.md) and CSV tables (.csv).

Each reader takes a file's text and returns every term in it, through the same validator as YAML
files and source pages, or raises ContentError naming the file, the line and what is wrong."""

from __future__ import annotations

from pathlib import Path

from bot.content import Term
from bot.formats.csv import parse_csv
from bot.formats.markdown import parse_markdown
from bot.formats.page import PageFormat
from bot.formats.text import decode

SUFFIXES = (".md", ".markdown", ".csv")


def read_terms(path: Path, name: str, fmt: PageFormat) -> tuple[Term, ...]:
    """The terms in one .md or .csv file (one per page, one per CSV row)."""
    text = decode(path.read_bytes(), name)
    if path.suffix == ".csv":
        return parse_csv(text, name, fmt)
    return (parse_markdown(text, name, fmt),)
